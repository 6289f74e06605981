#!/usr/bin/python3
"""A libtorrent peer for interop tests, on one loopback address with every discovery feature off.

  libtorrent_peer.py seed  TORRENT SAVE_DIR HOST            check the data, then seed until killed
  libtorrent_peer.py leech TORRENT SAVE_DIR HOST PEER:PORT  download from PEER, then exit 0

Prints one JSON object per line: {"event": "listening", "port": N}, {"event": "seeding"},
{"event": "progress", ...}, {"event": "done"}, or {"event": "error", "message": ...} (exit 1).
Runs on Debian's /usr/bin/python3, where python3-libtorrent installs.
"""
import json
import sys
import time

import libtorrent as lt


def emit(**event):
    print(json.dumps(event), flush=True)


def session(host):
    return lt.session(
        {
            "listen_interfaces": f"{host}:0",
            "outgoing_interfaces": host,
            "enable_dht": False,
            "enable_lsd": False,
            "enable_upnp": False,
            "enable_natpmp": False,
            # Vouch has uTP off by default; speak TCP only so failures are about the protocol.
            "enable_outgoing_utp": False,
            "enable_incoming_utp": False,
            "allow_multiple_connections_per_ip": True,
            "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
        }
    )


def fail(message):
    emit(event="error", message=message)
    sys.exit(1)


def main(argv):
    if len(argv) < 4 or argv[0] not in ("seed", "leech") or (argv[0] == "leech" and len(argv) < 5):
        print(__doc__, file=sys.stderr)
        return 2
    mode, torrent_path, save_dir, host = argv[:4]
    ses = session(host)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent_path)
    params.save_path = save_dir
    handle = ses.add_torrent(params)
    port_deadline = time.monotonic() + 10
    while ses.listen_port() == 0 and time.monotonic() < port_deadline:
        ses.wait_for_alert(100)
    if ses.listen_port() == 0:
        fail(f"could not listen on {host}")
    emit(event="listening", port=ses.listen_port(), host=host)

    peer = None
    if mode == "leech":
        peer_host, _, peer_port = argv[4].rpartition(":")
        peer = (peer_host, int(peer_port))

    deadline = time.monotonic() + 300
    last_connect = 0.0
    announced_seeding = False
    while time.monotonic() < deadline:
        for alert in ses.pop_alerts():
            if isinstance(alert, (lt.file_error_alert, lt.torrent_error_alert)):
                fail(alert.message())
        status = handle.status()
        if status.errc.value() != 0:
            fail(status.errc.message())
        if peer and status.state == lt.torrent_status.downloading and time.monotonic() - last_connect > 2:
            handle.connect_peer(peer)
            last_connect = time.monotonic()
        if status.is_seeding:
            if mode == "leech":
                emit(event="done", downloaded=status.total_payload_download)
                return 0
            if not announced_seeding:
                emit(event="seeding")
                announced_seeding = True
        ses.wait_for_alert(200)
    fail("gave up after 300 s")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
