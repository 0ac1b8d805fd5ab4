"""The anonymous message channel over HTTP, written from docs/protocol.md only ("Anonymous
messages (HTTP)", "Proof of work before `start`"): write a message with its proof of work,
keep the code, read it back, a therapist answers, read the answer, write again, end it; and
the refusals with their status codes. If this needs anything the doc does not say, the doc
is incomplete.

The staff side ("The staff side" of that section): the inbox's links, the conversation's
page and its `answer` form, read from the HTML as a browser would; every act answers 302
to the page, which shows the outcome (`role="status"` done, `role="alert"` refused).

Plain `requests` (nothing of tests/peers.py).
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

import requests

from tests.test_doc_client import solved_challenge, staff_session

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")  # Crockford base32


def proof(url: str) -> str:
    """Field `pow`: a solved challenge from `GET /challenge` as JSON text."""
    return json.dumps(solved_challenge(url))


def post(url: str, path: str, **fields) -> requests.Response:
    fields.setdefault("pow", proof(url))
    return requests.post(f"{url}{path}?lang=en", data=fields, allow_redirects=False, timeout=30)


def code_of(page: requests.Response) -> str:
    found = re.search(r'<p[^>]*id="message-code"[^>]*>([^<]*)</p>', page.text)
    assert found, page.text[:2000]
    return found.group(1).strip()


def conversation(page: requests.Response) -> list[tuple[str, str]]:
    """`<ol id="conversation">`: (side class, text) of each `<li>`, in order."""
    ol = re.search(r'<ol[^>]*id="conversation"[^>]*>(.*?)</ol>', page.text, re.S)
    assert ol, page.text[:2000]
    items = []
    for li in re.finditer(r'<li[^>]*class="([^"]*)"[^>]*>(.*?)</li>', ol.group(1), re.S):
        side = next(c for c in li.group(1).split() if c in ("msg-chatter", "msg-therapist"))
        text = re.search(r'<p[^>]*class="msg-text"[^>]*>(.*?)</p>', li.group(2), re.S)
        assert re.search(r'<p[^>]*class="msg-meta"', li.group(2)), li.group(2)
        items.append((side, html.unescape(text.group(1))))
    return items


def alert(page: requests.Response) -> str:
    """The refusal's words: the first `role="alert"` element with text."""
    for found in re.finditer(r'<[^>]*role="alert"[^>]*>([^<]*)</', page.text):
        if found.group(1).strip():
            return html.unescape(found.group(1)).strip()
    raise AssertionError(page.text[:2000])


def form(page: str, path: str) -> tuple[str, dict]:
    """The action and hidden fields of the page's form posting to `path`."""
    for found in re.finditer(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', page, re.S):
        action = html.unescape(found.group(1))
        if action.split("?")[0].endswith(path):
            hidden = {}
            for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', found.group(2)):
                name, value = (re.search(rf'{a}="([^"]*)"', tag) for a in ("name", "value"))
                hidden[name.group(1)] = html.unescape(value.group(1))
            return action, hidden
    raise AssertionError(f"no form {path} in the page")


def test_a_conversation_written_from_the_doc(live, live_staff):
    url = live.urls[0]
    blank = requests.get(url + "/messages/new?lang=en", timeout=10)
    assert blank.status_code == 200 and blank.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in blank.headers and 'name="pow"' in blank.text

    first = "Hello.\nI would like to talk about something."
    body = {"message": first.replace("\n", "\r\n") + " \t", "age_band": "", "gender": "",
            "pow": proof(url)}  # \r\n becomes \n, outer blanks are trimmed
    written = post(url, "/messages/new", **body)
    assert written.status_code == 200, written.text[:2000]
    assert written.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in written.headers
    code = code_of(written)
    assert CODE.match(code), code
    assert code not in written.url
    again = post(url, "/messages/new", **body)  # a reload: the same body, its proof spent
    assert again.status_code == 409 and code not in again.text

    # spaces for dashes, any case, I and L read as 1, O as 0
    typed = code.replace("-", " ").lower().replace("1", "l").replace("0", "O")
    opened = post(url, "/messages/open", code=typed)
    assert opened.status_code == 200, opened.text[:2000]
    assert conversation(opened) == [("msg-chatter", first)]
    for action in ("/messages/reply", "/messages/end"):  # both carry the code
        assert form(opened.text, action)[1]["code"].replace("-", "") == code.replace("-", "")

    # A therapist answers (the staff pages: see the module's docstring).
    live_staff("anna", name="Anna")
    staff = requests.Session()
    staff.cookies.set("session", staff_session(url, "anna").split("=", 1)[1],
                      domain=urlsplit(url).hostname)  # a jar: a new session cookie replaces it
    inbox = staff.get(url + "/staff/messages/", timeout=10)
    assert inbox.status_code == 200 and first not in inbox.text  # never any text in the list
    link = re.search(r'href="(/staff/messages/\d+)"', inbox.text).group(1)
    page = staff.get(url + link, timeout=10)
    assert page.status_code == 200 and first in page.text
    action, fields = form(page.text, "/answer")
    empty = staff.post(url + action, data={**fields, "text": " "}, allow_redirects=False)
    assert empty.status_code == 302 and empty.headers["Location"].endswith(link)
    assert alert(staff.get(url + link, timeout=10))  # refused: `empty`, on the page
    action, fields = form(staff.get(url + link, timeout=10).text, "/answer")
    answer = "Thank you for writing. I am listening: tell me more."
    answered = staff.post(url + action, data={**fields, "text": answer}, timeout=30)
    assert answered.status_code == 200 and answer in answered.text  # after its redirect
    assert re.search(r'<p class="ok-line" role="status">[^<]+</p>', answered.text)

    read = post(url, "/messages/open", code=code)
    assert conversation(read) == [("msg-chatter", first), ("msg-therapist", answer)]
    second = "Thank you. It is about my brother."
    body = {"code": code, "message": second, "pow": proof(url)}
    replied = post(url, "/messages/reply", **body)
    assert replied.status_code == 200
    assert post(url, "/messages/reply", **body).status_code == 409  # a reload: not twice
    assert conversation(replied) == [("msg-chatter", first), ("msg-therapist", answer),
                                      ("msg-chatter", second)]
    assert second in staff.get(url + link, timeout=10).text

    refused = post(url, "/messages/end", code=code)  # without its confirmation
    assert refused.status_code == 400
    ended = post(url, "/messages/end", code=code, confirm="yes")
    assert ended.status_code == 200
    gone = post(url, "/messages/open", code=typed)
    assert gone.status_code == 404 and html.escape(typed) in gone.text  # the form, as typed


def test_the_refusals(live):
    url = live.urls[0]
    kept = "Something I want to keep."
    for text, words in (("", "empty"), ("   \n ", "empty"), ("x" * 5001, "too_long"),
                        ("bell \u0007 here", "control_characters"),
                        ("a \u202e b", "bidi_controls")):
        page = post(url, "/messages/new", message=text)
        assert page.status_code == 422, (words, page.status_code)
        assert alert(page), words
    page = post(url, "/messages/new", message=kept, age_band="ancient")
    assert page.status_code == 422 and kept in page.text and alert(page)  # bad_profile
    assert post(url, "/messages/new", message="x" * 5000).status_code == 200  # the limit
    assert post(url, "/messages/new", message="tab\there, a mark \u200e").status_code == 200

    assert post(url, "/messages/new", message=kept, pow="").status_code == 400  # no JavaScript
    bad = post(url, "/messages/new", message=kept, pow='{"number": 1}')
    assert bad.status_code == 400 and kept in bad.text  # pow_invalid: the form again
    spent = proof(url)
    assert post(url, "/messages/new", message=kept, pow=spent).status_code == 200
    assert post(url, "/messages/new", message="another", pow=spent).status_code == 409
    twice = requests.post(url + "/messages/new?lang=en", timeout=30,
                          data=[("message", "a"), ("message", "b"), ("pow", proof(url))])
    assert twice.status_code == 400
    big = post(url, "/messages/new", message="x" * 70_000)
    assert big.status_code == 413
    elsewhere = requests.post(url + "/messages/new", timeout=30,
                              data={"message": kept, "pow": proof(url)},
                              headers={"Origin": "https://elsewhere.example"})
    assert elsewhere.status_code == 403

    for wrong in ("ABCD-EFGH-JKMN-PQRS", "not a code", ""):
        page = post(url, "/messages/open", code=wrong)
        assert page.status_code == 404, (wrong, page.status_code)
    code = code_of(post(url, "/messages/new", message=kept))
    assert post(url, "/messages/reply", code=code, message="").status_code == 422
    assert post(url, "/messages/reply", code="ABCD-EFGH-JKMN-PQRS",
                message="hi").status_code == 404
    page = post(url, "/messages/reply", code=code, message="kept text", pow="{}")
    assert page.status_code == 400 and "kept text" in page.text
    assert post(url, "/messages/end", code="ABCD-EFGH-JKMN-PQRS", confirm="yes").status_code == 404
    for n in range(19):  # 20 from the writer, then conversation_full
        assert post(url, "/messages/reply", code=code, message=f"n{n}").status_code == 200, n
    full = post(url, "/messages/reply", code=code, message="one too many")
    assert full.status_code == 409 and "one too many" in full.text
