"""The issue's story on the seed trial: a re-sync changes NCT06740149, a new liver-failure trial appears."""

from __future__ import annotations

import copy
import json
import re

from test_alerts_delivery import follow, link  # noqa: F401  (shared helpers of the delivery tests)

from trialscout.demo import DEMO_DIR

ANA = "ana.lopez@example.org"
BO = "bo.chen@example.org"
BEIJING = {"facility": "Beijing Friendship Hospital, Capital Medical University", "status": "RECRUITING",
           "city": "Beijing", "zip": "100050", "country": "China"}


def seed(nct_id: str) -> dict:
    return json.loads((DEMO_DIR / "seeds" / f"{nct_id}.json").read_text())


def test_a_resync_of_the_seed_trial_and_a_new_liver_failure_trial_each_send_one_mail(sqlite_site):
    site, mailbox = sqlite_site, sqlite_site.server.mailbox
    original = seed("NCT06740149")
    site.sync(original, name="seed.json")
    follow(site, ANA, site.alerts.trial_target("NCT06740149"))
    follow(site, BO, site.alerts.condition_target("liver failure"))
    confirmations = len(mailbox.deliveries)

    later = copy.deepcopy(original)
    later["protocolSection"]["statusModule"] = {"overallStatus": "RECRUITING",
                                                "lastUpdatePostDateStruct": {"date": "2026-11-20"}}
    later["protocolSection"]["contactsLocationsModule"]["locations"].append(BEIJING)
    newcomer = copy.deepcopy(seed("NCT07276568"))
    newcomer["protocolSection"]["identificationModule"]["nctId"] = "NCT09999901"
    newcomer["protocolSection"]["conditionsModule"]["conditions"] = ["Acute Liver Failure"]
    report = site.sync(later, newcomer, name="resync.json")
    assert report.result.changed == ["NCT06740149"] and report.result.added == ["NCT09999901"]

    summary = site.alerts.notify()
    sent = mailbox.deliveries[confirmations:]
    assert summary.sent == 2 and sorted(d.recipients for d in sent) == [(ANA,), (BO,)]
    [to_ana] = [d for d in sent if d.recipients == (ANA,)]
    [to_bo] = [d for d in sent if d.recipients == (BO,)]
    assert "Status changed" in to_ana.text and "Recruiting" in to_ana.text
    assert "A new site opened in Beijing, China" in to_ana.text
    assert "NCT09999901" in to_bo.text and "NCT06740149" not in to_bo.text

    assert site.alerts.notify().sent == 0  # nothing twice
    token = re.fullmatch(r"<http://trialscout\.test/alerts/unsubscribe/(\S+)>", to_ana.message["List-Unsubscribe"])
    assert token and site.alerts.unsubscribe(token.group(1)) == 1
    third = copy.deepcopy(later)
    third["protocolSection"]["statusModule"] = {"overallStatus": "COMPLETED",
                                                "lastUpdatePostDateStruct": {"date": "2026-11-25"}}
    assert site.sync(third, name="third.json").result.changed == ["NCT06740149"]
    assert site.alerts.notify().sent == 0  # unsubscribed: nothing more for Ana
