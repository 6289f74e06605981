#!/usr/bin/python3
"""libtorrent's DHT (BEP 44 mutable items) for the feed interop tests, on one loopback address,
joining a loopback DHT only through the nodes given (no public routers, no other discovery).

  libtorrent_dht.py get HOST BOOTSTRAP PUBKEY_HEX SALT_HEX          print the item it finds, exit 0
  libtorrent_dht.py put HOST BOOTSTRAP SEED_HEX SALT_HEX VALUE_HEX PUBKEY_HEX  put it, keep it until killed (90 s at most)

BOOTSTRAP is HOST:PORT[,HOST:PORT...]. VALUE_HEX is the string libtorrent puts as v (the Python binding puts strings only). Prints one JSON
object per line: {"event": "item", "seq": N, "ih": HEX (v's ih), "signature": HEX}, {"event": "put",
"stored": N}, or {"event": "error", "message": ...} (exit 1). Runs on Debian's /usr/bin/python3.
"""
import hashlib
import json
import re
import sys
import time

import libtorrent as lt


def emit(**event):
    print(json.dumps(event), flush=True)


def session(host, bootstrap):
    return lt.session(
        {
            "listen_interfaces": f"{host}:0",
            "outgoing_interfaces": host,
            "enable_dht": True,
            "dht_bootstrap_nodes": bootstrap,
            "enable_lsd": False,
            "enable_upnp": False,
            "enable_natpmp": False,
            "dht_restrict_routing_ips": False,
            "dht_restrict_search_ips": False,
            "dht_enforce_node_id": False,
            "dht_prefer_verified_node_ids": False,
            "dht_ignore_dark_internet": False,
            "alert_mask": lt.alert.category_t.dht_notification | lt.alert.category_t.error_notification,
        }
    )


def expanded_secret(seed):
    """libtorrent's 64-byte ed25519 secret key (orlp/ed25519): SHA-512 of the seed, clamped."""
    digest = bytearray(hashlib.sha512(seed).digest())
    digest[0] &= 248
    digest[31] &= 63
    digest[31] |= 64
    return bytes(digest)


def main():
    mode, host, bootstrap = sys.argv[1], sys.argv[2], sys.argv[3]
    ses = session(host, bootstrap)
    deadline = time.time() + 60
    if mode == "get":
        key, salt = bytes.fromhex(sys.argv[4]), bytes.fromhex(sys.argv[5])
        while time.time() < deadline:
            ses.dht_get_mutable_item(key, salt)
            until = time.time() + 5
            while time.time() < until:
                for alert in ses.pop_alerts():
                    if isinstance(alert, lt.dht_mutable_item_alert) and alert.seq > 0:
                        # The binding converts only string items to Python; a BEP 46 dictionary
                        # is read from the alert's text, where libtorrent prints strings as hex.
                        found = re.search(r"'ih': '([0-9a-f]{40})'", alert.message())
                        emit(
                            event="item",
                            seq=alert.seq,
                            ih=found.group(1) if found else None,
                            signature=bytes(alert.signature).hex(),
                        )
                        return 0
                time.sleep(0.1)
        emit(event="error", message="no item found")
        return 1
    seed, salt, value = bytes.fromhex(sys.argv[4]), bytes.fromhex(sys.argv[5]), bytes.fromhex(sys.argv[6])
    secret = expanded_secret(seed)
    public = bytes.fromhex(sys.argv[7])
    # Put once the DHT has bootstrapped (a put made before that is dropped without an alert); put
    # again only when libtorrent reports that the put reached no node, or after REPUT_S without a
    # report. A put still under way is not repeated: libtorrent numbers each put one past the seq it
    # finds, so a second put over a stored first one would be seq 2.
    REPUT_S = 20
    stored = False
    bootstrapped = False
    started = time.time()
    next_put = started  # when to put (again), once the DHT is ready
    deadline = started + 90
    while time.time() < deadline:
        ready = bootstrapped or time.time() - started > 10
        if not stored and ready and time.time() >= next_put:
            ses.dht_put_mutable_item(secret, public, value, salt)
            next_put = time.time() + REPUT_S
        for alert in ses.pop_alerts():
            if isinstance(alert, lt.dht_bootstrap_alert):
                bootstrapped = True
            elif isinstance(alert, lt.dht_put_alert) and not stored:
                if alert.num_success > 0:
                    stored = True
                    emit(event="put", stored=alert.num_success, seq=alert.seq)
                else:
                    next_put = time.time() + 1  # it reached no node: put again in a second
        time.sleep(0.2)
    if not stored:
        emit(event="error", message="no node stored the item")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # noqa: BLE001 - reported to the test as JSON
        emit(event="error", message=f"{type(error).__name__}: {error}")
        sys.exit(1)
