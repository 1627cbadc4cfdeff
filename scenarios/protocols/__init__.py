"""Protocol builders benign traffic and techniques share, one module per protocol.

Each is pure: addresses, a start time and a seeded :class:`random.Random` in,
:class:`~scenarios.frames.TimedPacket` lists (or a :class:`~scenarios.protocols.tcp.TcpSession`)
out. Every field Scapy would otherwise fill from the clock or global randomness (IP id,
TCP sequence numbers, DNS ids, TLS randoms) is drawn from the given ``rng``, so the same
inputs give byte-identical frames in any process.

* :mod:`~scenarios.protocols.ip` - MACs, address families, Ether/IP(v6)/UDP frames.
* :mod:`~scenarios.protocols.tcp` - :class:`TcpSession`: handshake, segments, ACKs, close.
* :mod:`~scenarios.protocols.http`, :mod:`~scenarios.protocols.dns`,
  :mod:`~scenarios.protocols.tls`, :mod:`~scenarios.protocols.smtp`,
  :mod:`~scenarios.protocols.ssh`, :mod:`~scenarios.protocols.smb`,
  :mod:`~scenarios.protocols.mavlink`, :mod:`~scenarios.protocols.ike`,
  :mod:`~scenarios.protocols.ntp`.
"""
