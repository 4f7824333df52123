"""ConversationRelay: time from sending a `prompt` to the first `text` token.

usage: RELAY_SECRET=<the api's JWT_SECRET> relay_first_token.py WS_URL SIGNATURE SESSIONS PROMPTS [GAP [FIRST]]
Opens SESSIONS WebSocket sessions (each its own call: setup with CallSid
CA-relay-<i> from caller +1212666<i>, i from FIRST, default 0, and the
call's pass as the api seals it into its TwiML: see `pass` below), waits a
second in each (the welcome greeting, which a caller hears before
answering), and sends PROMPTS prompts one after another, waiting for
`last: true` before the next.
GAP (seconds, default 0): the pause between a reply's end and the next
prompt (a caller listening, then speaking). 0 sends back to back, every
session at once: a stress run, the api always busy. With a GAP the
sessions start spread over one GAP, so SESSIONS / GAP is the offered
prompts per second.
Prints "first-token p50 p99 max turns prompts-per-second" (ms), and on
stderr the same for each session's first prompt and for the rest; exits
non-zero if any reply was empty. Needs the `websockets` package
(scripts/bench_channels.sh installs it).
"""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import time

import websockets

url, signature, sessions, prompts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
gap = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
first_session = int(sys.argv[6]) if len(sys.argv) > 6 else 0
GREETING_SECONDS = 1.0
TO = "+14155550199"


def pass_for(sid, caller):
    """The pass the api puts in a relay call's TwiML (`<Parameter name="pass">`)
    and checks in `setup`: `<expires>.<seal>`, the seal an HMAC-SHA256 of
    "relay-pass\\n<sid>\\n<to>\\n<from>\\n<expires>" under a key derived from the
    deployment secret (frontdesk_crypto::HmacSeals, Inbound::relay_pass)."""
    secret = os.environ["RELAY_SECRET"].encode()
    key = hmac.new(secret, b"frontdesk/relay-pass/v1", hashlib.sha256).digest()
    expires = int(time.time()) + 3600
    message = "relay-pass\n%s\n%s\n%s\n%d" % (sid, TO, caller, expires)
    seal = base64.urlsafe_b64encode(hmac.new(key, message.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    return "%d.%s" % (expires, seal)


async def session(i, firsts, openers, spans):
    if gap > 0:
        await asyncio.sleep(gap * (i - first_session) / sessions)
    async with websockets.connect(url, additional_headers={"X-Twilio-Signature": signature}) as ws:
        sid, caller = "CA-relay-%d" % i, "+1212666%04d" % i
        await ws.send(json.dumps({"type": "setup", "sessionId": "VX%d" % i, "callSid": sid, "from": caller, "to": TO,
                                  "direction": "inbound", "customParameters": {"pass": pass_for(sid, caller)}}))
        # Twilio speaks the welcome greeting before the caller can answer:
        # the first prompt never arrives on the heels of `setup`.
        await asyncio.sleep(GREETING_SECONDS)
        for n in range(prompts):
            if n > 0 and gap > 0:
                await asyncio.sleep(gap)
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "prompt", "voicePrompt": "what are your hours?", "last": True}))
            first, said = None, ""
            while True:
                event = json.loads(await ws.recv())
                if event["type"] != "text":
                    continue
                if first is None:
                    first = time.perf_counter() - sent
                said += event["token"]
                if event["last"]:
                    break
            if not said.strip():
                raise SystemExit("an empty reply")
            firsts.append(first * 1000)
            spans.append((sent, time.perf_counter()))
            if n == 0:
                openers.append(first * 1000)


async def main():
    firsts, openers, spans = [], [], []
    await asyncio.gather(*(session(i, firsts, openers, spans)
                           for i in range(first_session, first_session + sessions)))
    elapsed = max(end for _, end in spans) - min(sent for sent, _ in spans)
    rate = len(spans) / elapsed if elapsed > 0 else 0.0
    later = sorted(firsts)
    for opener in openers:
        later.remove(opener)
    firsts.sort()
    openers.sort()

    def pick(values, q):
        return values[min(len(values) - 1, int(len(values) * q))] if values else 0.0

    print("%.2f %.2f %.2f %d %.0f" % (pick(firsts, 0.50), pick(firsts, 0.99), firsts[-1], len(firsts), rate))
    print("relay first token: sessions' first prompts p50 %.2f max %.2f ms (%d); later prompts p50 %.2f p99 %.2f max %.2f ms (%d)"
          % (pick(openers, 0.5), openers[-1], len(openers), pick(later, 0.5), pick(later, 0.99),
             later[-1] if later else 0.0, len(later)), file=sys.stderr)


asyncio.run(main())
