"""A real authoritative DNS server for tests: dnslib on a free loopback port, UDP and TCP, serving records you give.

Answers like an authoritative server: the AA flag, NOERROR with no answer for a name that
exists without that type (NODATA), NXDOMAIN for a name that does not exist. TXT values
longer than 255 bytes are split into several character-strings, as a zone file would.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dnslib import AAAA, MX, QTYPE, RCODE, RR, TXT, A, DNSLabel
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from tests.smtp_server import free_port

_RDATA = {"A": A, "AAAA": AAAA, "TXT": lambda value: TXT([value[i:i + 255] for i in range(0, len(value), 255)])}


@dataclass
class Zone:
    """Records as (name, type, value); MX values are "preference host"."""

    records: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, name: str, rtype: str, value: str) -> "Zone":
        self.records.append((name, rtype, value))
        return self

    def rrs(self) -> list[RR]:
        out = []
        for name, rtype, value in self.records:
            if rtype == "MX":
                preference, host = value.split()
                rdata = MX(host, int(preference))
            else:
                rdata = _RDATA[rtype](value)
            out.append(RR(name, getattr(QTYPE, rtype), rdata=rdata, ttl=60))
        return out


class _Authoritative(BaseResolver):
    def __init__(self, zone: Zone) -> None:
        self.rrs = zone.rrs()

    def resolve(self, request, handler):
        reply = request.reply()
        reply.header.aa = 1
        qname, qtype = request.q.qname, request.q.qtype
        named = [rr for rr in self.rrs if DNSLabel(rr.rname) == qname]
        for rr in named:
            if rr.rtype == qtype:
                reply.add_answer(rr)
        if not named:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class DNSTestServer:
    """``address`` ("127.0.0.1:port") is what DNS_NAMESERVERS takes."""

    def __init__(self, zone: Zone) -> None:
        self.port = free_port()
        resolver = _Authoritative(zone)
        quiet = DNSLogger(log="-request,-reply,-truncated,-error", prefix=False)
        self.servers = [DNSServer(resolver, address="127.0.0.1", port=self.port, tcp=tcp, logger=quiet)
                        for tcp in (False, True)]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "DNSTestServer":
        for server in self.servers:
            server.start_thread()
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
            server.server.server_close()
