"""Restart persistence: what actrd handed out before a stop still holds after a start on the
same data directory - the renewal token renews, the signing key is the same, the credential
still opens a signaling socket, and new serials do not repeat old ones."""
from actrd_conf import (Actrd, Peer, auth_query, check, finish, id_str, registered, run,
                        upgrade_status)


async def main():
    with Actrd() as srv:
        srv.init()
        srv.start()
        first_port = srv.port
        ok = registered(srv, "acme", "durable", allow=[("acme", "durable", "1.0.0")])
        p = await Peer(srv, ok).connect()
        check(await p.ping() is not None, "connected before the restart")
        check(srv.stop() == 0, "first run exits 0")
        check(await p.close_code(3) == 1001, "the socket is told the server is going away")

        srv.start()
        check(srv.port != 0, "second run listening (ports %d then %d)" % (first_port, srv.port))
        status, resp = srv.renew(ok.actr_id, ok.renewal_token)
        check(status == 200 and resp.WhichOneof("result") == "success",
              "the renewal token from before the restart renews (got %d)" % status)
        if resp.WhichOneof("result") == "success":
            again = resp.success
            check(id_str(again.actr_id) == id_str(ok.actr_id), "same ActrId")
            check(again.signing_pubkey == ok.signing_pubkey and
                  again.signing_key_id == ok.signing_key_id, "same signing key")
        status, _ = await upgrade_status(srv, auth_query(id_str(ok.actr_id), ok.credential))
        check(status == 101, "the credential from before the restart still connects")
        other = registered(srv, "acme", "durable")
        check(other.actr_id.serial_number != ok.actr_id.serial_number,
              "a new registration gets a new serial")
        check(srv.stop() == 0, "second run exits 0")
        check("Sanitizer" not in srv.log(), "no sanitizer report")
    finish()


run(main())
