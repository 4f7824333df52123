"""Writes signed Twilio webhook requests, one per line: "<signature>\t<form body>".

usage: sign_twilio.py TOKEN URL KIND COUNT CALLERS > file
KIND voice: CallSid CA<n>, From one of CALLERS numbers; sms: MessageSid SM<n>, Body "What are your hours?".
The signature is Twilio's: base64(HMAC-SHA1(token, URL + sorted key+value)).
"""
import base64
import hashlib
import hmac
import sys
import urllib.parse

token, url, kind, count, callers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
for n in range(count):
    caller = "+1212555%04d" % (n % callers)
    if kind == "voice":
        params = {"CallSid": "CA%032d" % n, "From": caller, "To": "+14155550199", "CallStatus": "ringing",
                  "AccountSid": "AC00000000000000000000000000000001", "Direction": "inbound"}
    else:
        params = {"MessageSid": "SM%032d" % n, "From": caller, "To": "+14155550199", "Body": "What are your hours?",
                  "AccountSid": "AC00000000000000000000000000000001", "NumMedia": "0"}
    signed = url + "".join(k + v for k, v in sorted(params.items()))
    signature = base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()
    print(signature + "\t" + urllib.parse.urlencode(params))
