"""The CSRF check reads a form as large as the body limit: a big pasted field is not mistaken for a forgery."""

from __future__ import annotations

import re

NOTE = ("A 52-year-old man with acute-on-chronic liver failure on hepatitis B. " * 22_000)[:1_500_000]  # 1.5 MB


def test_a_pasted_note_over_one_megabyte_passes_the_csrf_check(post_check, client):
    assert len(NOTE.encode()) > 1024 * 1024
    response = post_check("TSLOCAL-0002", {"note": NOTE})  # multipart, as the page sends it
    assert response.status_code == 422, response.text[:300]
    assert "out of date" not in response.text
    assert "The note is longer than 200,000 characters" in response.text  # the check page's own limit

    page = client.get("/trials/TSLOCAL-0002/check")  # url-encoded, as a form without a file input sends it
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/trials/TSLOCAL-0002/check", data={"csrf_token": token, "note": NOTE})
    assert response.status_code == 422 and "The note is longer than 200,000 characters" in response.text


def test_a_body_over_the_limit_gets_a_clear_413(post_check):
    response = post_check("TSLOCAL-0002", {"note": "x" * (11 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too much data (more than 10 MB)" in response.text and "out of date" not in response.text
