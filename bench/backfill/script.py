#!/usr/bin/env python3
"""The one-file backfill script operators run before callvault, as the bench's baseline: list a window of Twilio's
recordings page by page, then download each whole and write it to a directory, one at a time. Standard library only.
Prints one JSON line: {"recordings": N, "seconds": S, "recordings_per_second": R}.

Usage: script.py API_URL ACCOUNT_SID AUTH_TOKEN SINCE UNTIL OUT_DIR   (SINCE, UNTIL: YYYY-MM-DD)
"""
import base64
import json
import os
import sys
import time
import urllib.parse
import urllib.request


def main():
    api, account, token, since, until, out = sys.argv[1:7]
    start = time.monotonic()
    auth = "Basic " + base64.b64encode(("%s:%s" % (account, token)).encode()).decode()

    def get(url):
        request = urllib.request.Request(url, headers={"Authorization": auth})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()

    query = urllib.parse.urlencode({"DateCreated>": since, "DateCreated<": until, "PageSize": 100})
    page = "/2010-04-01/Accounts/%s/Recordings.json?%s" % (account, query)
    sids = []
    while page:
        body = json.loads(get(api + page))
        sids += [r["sid"] for r in body["recordings"]]
        page = body.get("next_page_uri")
    os.makedirs(out, exist_ok=True)
    for sid in sids:
        audio = get("%s/2010-04-01/Accounts/%s/Recordings/%s.mp3" % (api, account, sid))
        with open(os.path.join(out, sid + ".mp3"), "wb") as f:
            f.write(audio)
    seconds = time.monotonic() - start
    print(json.dumps({"recordings": len(sids), "seconds": round(seconds, 3),
                      "recordings_per_second": round(len(sids) / seconds, 2)}))


if __name__ == "__main__":
    main()
