"""ConversationRelay: time from sending a `prompt` to the first `text` token.

usage: relay_first_token.py WS_URL SIGNATURE SESSIONS PROMPTS
Opens SESSIONS WebSocket sessions at once (each its own call: setup with
CallSid CA-relay-<i> from caller +1212666<i>), and in each sends PROMPTS
prompts one after another, waiting for `last: true` before the next.
Prints "first-token p50 p99 max turns" (ms) and exits non-zero if any reply
was empty. Needs the `websockets` package (scripts/bench_channels.sh installs it).
"""
import asyncio
import json
import sys
import time

import websockets

url, signature, sessions, prompts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


async def session(i, firsts):
    async with websockets.connect(url, additional_headers={"X-Twilio-Signature": signature}) as ws:
        await ws.send(json.dumps({"type": "setup", "sessionId": "VX%d" % i, "callSid": "CA-relay-%d" % i,
                                  "from": "+1212666%04d" % i, "to": "+14155550199", "direction": "inbound"}))
        for _ in range(prompts):
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


async def main():
    firsts = []
    await asyncio.gather(*(session(i, firsts) for i in range(sessions)))
    firsts.sort()
    pick = lambda q: firsts[min(len(firsts) - 1, int(len(firsts) * q))]
    print("%.2f %.2f %.2f %d" % (pick(0.50), pick(0.99), firsts[-1], len(firsts)))


asyncio.run(main())
