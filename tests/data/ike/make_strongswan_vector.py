#!/usr/bin/env python3
"""make_strongswan_vector.py - turn a strongSwan capture into a key-derivation vector.

Input: a directory holding client.log (charon of the initiator at ike and chd level 4:
it hexdumps g^ir, SKEYSEED, every SK_*, the AUTH octets and the Child SA keys) and
ike.pcap (the exchange on the client's veth), as made with the harness of
/work/shared/harness: strongswan-gw.sh start, then the client started with SW_LOG_IKE=4
SW_LOG_CHD=4, tshark on its veth, `strongswan-client.sh up psk`.
Output (stdout): `name = hex` lines read by tests/unit/test_ike_keys_strongswan.c.
"""
import re
import subprocess
import sys

HEXLINE = re.compile(r"\[[A-Z]+\](?: <[^>]*>)? +\d+: ((?:[0-9A-F]{2} ){1,16})")
START = re.compile(r"\[[A-Z]+\](?: <[^>]*>)? (.+?) => (\d+) bytes @")


def dumps(log):
    """Every hexdump in the log, in order, as (name, bytes)."""
    out, cur, buf = [], None, ""
    for line in open(log, encoding="utf-8", errors="replace"):
        m = START.search(line)
        if m:
            if cur:
                out.append((cur, bytes.fromhex(buf)))
            cur, buf = m.group(1), ""
            continue
        h = HEXLINE.search(line)
        if cur and h:
            buf += h.group(1).replace(" ", "")
            continue
        if cur:
            out.append((cur, bytes.fromhex(buf)))
            cur = None
    if cur:
        out.append((cur, bytes.fromhex(buf)))
    return out


def first(ds, name):
    return next(v for n, v in ds if n == name)


def all_of(ds, name):
    return [v for n, v in ds if n == name]


def payloads(pcap):
    r = subprocess.run(["tshark", "-n", "-r", pcap, "-T", "fields", "-e", "udp.srcport",
                        "-e", "udp.dstport", "-e", "udp.payload"],
                       capture_output=True, text=True, check=True)
    msgs = []
    for line in r.stdout.splitlines():
        sport, dport, hexp = line.split("\t")
        p = bytes.fromhex(hexp)
        if "4500" in (sport, dport):
            if p[:4] != b"\0\0\0\0":
                continue  # ESP
            p = p[4:]  # non-ESP marker, RFC 3948 §2.2
        msgs.append(p)
    return msgs


def main(d):
    ds = dumps(f"{d}/client.log")
    log = open(f"{d}/client.log").read()
    prop = re.search(r"selected proposal: IKE:(\S+)", log).group(1)
    esp = re.search(r"selected proposal: ESP:(\S+)", log).group(1)
    msgs = payloads(f"{d}/ike.pcap")
    init_req, init_resp = msgs[0], msgs[1]
    octets_i, octets_r = all_of(ds, "octets = message + nonce + prf(Sk_px, IDx')")[:2]
    prf_len = len(first(ds, "Sk_d secret"))
    # octets = RealMessage | peer nonce | prf(SK_p, ID'): the nonces are the tails
    nr = octets_i[len(init_req):-prf_len]
    ni = octets_r[len(init_resp):-prf_len]
    assert octets_i.startswith(init_req) and octets_r.startswith(init_resp)
    print(f"# strongSwan 5.9.8 initiator, IKE {prop}, ESP {esp}")
    print(f"ike_proposal = {prop}")
    print(f"esp_proposal = {esp}")
    print(f"spi_i = {init_req[0:8].hex()}")
    print(f"spi_r = {init_resp[8:16].hex()}")
    print(f"ni = {ni.hex()}")
    print(f"nr = {nr.hex()}")
    print(f"g_ir = {first(ds, 'shared Diffie Hellman secret').hex()}")
    print(f"skeyseed = {first(ds, 'SKEYSEED').hex()}")
    for k in ("d", "ai", "ar", "ei", "er", "pi", "pr"):
        v = all_of(ds, f"Sk_{k} secret")
        if v:  # no SK_a with an AEAD
            print(f"sk_{k} = {v[0].hex()}")
    print(f"psk = {first(ds, 'secret').hex()}")
    print(f"idi_body = {all_of(ds, chr(73) + 'Dx' + chr(39))[0].hex()}")
    print(f"idr_body = {all_of(ds, chr(73) + 'Dx' + chr(39))[1].hex()}")
    print(f"auth_i = {first(ds, 'AUTH = prf(prf(secret, keypad), octets)').hex()}")
    print(f"child_encr_ir = {first(ds, 'encryption initiator key').hex()}")
    print(f"child_encr_ri = {first(ds, 'encryption responder key').hex()}")
    for n, v in ds:
        if n == "integrity initiator key":
            print(f"child_integ_ir = {v.hex()}")
        if n == "integrity responder key":
            print(f"child_integ_ri = {v.hex()}")
    for i, m in enumerate(msgs):
        print(f"msg{i} = {m.hex()}")
    print(f"time = {open(f'{d}/time').read().strip()}")


if __name__ == "__main__":
    main(sys.argv[1])
