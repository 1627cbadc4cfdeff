"""Exports partner tools use: STIX indicators as Suricata rules, Zeek intel, STIX bundles."""
