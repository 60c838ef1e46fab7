"""File importers: every layout the registry ships, built from the real records in tmp_path.

JSON array (ctg-studies.json), an API page ({"studies": [...]}), JSON Lines, a .zip of these,
a .zip of one-study-per-file JSON (the registry's bulk download), a folder tree, and legacy
<clinical_study> XML in the AllPublicXML layout. Files that are not registry data get a
one-line NotRegistryData naming the file; iter_bytes is fuzzed.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import in_ci

from trialscout.registry.files import NotRegistryData, SourceRecord, iter_bytes, iter_paths
from trialscout.trial import InvalidRecord, trial_from_ctgov

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _require(path: Path) -> Path:
    if not path.exists():
        message = f"real registry data not found at {path}"
        if in_ci():
            pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def api_dir(shared_dir: Path) -> Path:
    return _require(shared_dir / "data" / "ctgov_api_v2")


@pytest.fixture(scope="module")
def legacy_dir(shared_dir: Path) -> Path:
    return _require(shared_dir / "data" / "ctgov_legacy_xml")


@pytest.fixture(scope="module")
def array_files(api_dir: Path) -> list[Path]:
    return sorted(api_dir.glob("*/*.json"))


@pytest.fixture(scope="module")
def studies(array_files: list[Path]) -> list[dict]:
    return [s for path in array_files for s in json.loads(path.read_bytes())]


def nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def read(paths) -> list[SourceRecord]:
    return list(iter_paths(paths))


def ok(records: list[SourceRecord]) -> list[dict]:
    assert all(r.error is None for r in records), [r for r in records if r.error][:3]
    return [r.study for r in records]


# --- the layouts -------------------------------------------------------------------------------


def test_json_array_as_downloaded(array_files):
    for path in array_files:
        records = read([path])
        assert ok(records) == json.loads(path.read_bytes())
        assert [r.source for r in records] == [f"{path}#{i}" for i in range(len(records))]


def test_api_page(tmp_path, studies):
    page = tmp_path / "page.json"
    page.write_bytes(json.dumps({"totalCount": 806, "studies": studies[:100], "nextPageToken": "abc"}).encode())
    assert ok(read([page])) == studies[:100]


def test_single_study_object(tmp_path, studies):
    one = tmp_path / f"{nct(studies[0])}.json"
    one.write_text(json.dumps(studies[0], indent=2))
    assert ok(read([one])) == [studies[0]]


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson"])
def test_json_lines(tmp_path, studies, suffix):
    path = tmp_path / f"studies{suffix}"
    path.write_text("\n".join(json.dumps(s) for s in studies) + "\n\n", encoding="utf-8")
    records = read([path])
    assert ok(records) == studies
    assert records[3].source == f"{path}:4"


def test_json_lines_with_a_bad_line_goes_on(tmp_path, studies):
    lines = [json.dumps(s) for s in studies[:5]]
    lines[2] = lines[2][: len(lines[2]) // 2]  # truncated mid-record
    lines.insert(4, '{"foo": 1}')
    path = tmp_path / "studies.jsonl"
    path.write_text("\n".join(lines))
    records = read([path])
    assert [r.study for r in records if r.study] == [studies[i] for i in (0, 1, 3, 4)]
    errors = [r for r in records if r.error]
    assert [r.source for r in errors] == [f"{path}:3", f"{path}:5"]
    assert "invalid JSON" in errors[0].error and "not a study" in errors[1].error


def test_json_with_a_byte_order_mark(tmp_path, studies):
    path = tmp_path / "ctg-studies.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(studies[:3], indent=2).encode())
    assert ok(read([path])) == studies[:3]
    lines = tmp_path / "studies.jsonl"
    lines.write_bytes(b"\xef\xbb\xbf" + b"\n".join(json.dumps(s).encode() for s in studies[:3]))
    assert ok(read([lines])) == studies[:3]


def test_zip_of_the_downloaded_arrays(tmp_path, array_files, studies):
    archive = tmp_path / "ctg-studies.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in array_files:
            z.write(path, f"{path.parent.name}/{path.name}")
        z.writestr("README.txt", "not read")
    records = read([archive])
    assert len(ok(records)) == 806
    assert sorted(map(nct, ok(records))) == sorted(map(nct, studies))
    assert all(r.source.startswith(f"{archive}!") for r in records)


def test_zip_of_one_study_per_file_like_the_bulk_download(tmp_path, studies):
    # AllAPIJSON.zip: NCT0000xxxx/NCT00000102.json, one study object per file.
    unique = {nct(s): s for s in studies}
    archive = tmp_path / "AllAPIJSON.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for nct_id, study in unique.items():
            z.writestr(f"{nct_id[:7]}xxxx/{nct_id}.json", json.dumps(study))
    records = read([archive])
    assert len(records) == 796
    assert {nct(s): s for s in ok(records)} == unique


def test_zip_of_json_lines_and_a_page(tmp_path, studies):
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a/studies.jsonl", "\n".join(json.dumps(s) for s in studies[:10]))
        z.writestr("b/page.json", json.dumps({"studies": studies[10:20]}))
    assert ok(read([archive])) == studies[:20]


def test_zip_member_that_is_not_registry_data_is_reported_and_the_rest_goes_on(tmp_path, studies):
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("1.json", json.dumps(studies[:2]))
        z.writestr("2.json", '{"foo": 1}')
        z.writestr("3.xml", "<rss><channel/></rss>")
        z.writestr("4.json", json.dumps(studies[2:4]))
    records = read([archive])
    assert [r.study for r in records if r.study] == studies[:4]
    errors = {r.source: r.error for r in records if r.error}
    assert set(errors) == {f"{archive}!2.json", f"{archive}!3.xml"}


def test_folder_tree_of_the_real_data(api_dir, studies):
    # The shared folder itself: owner__repo/ctg-studies.json files, plus SOURCE.txt (not read).
    assert ok(read([api_dir])) == studies


def test_folder_tree_order_is_stable_and_hidden_files_are_skipped(tmp_path, array_files):
    tree = tmp_path / "tree"
    for path in array_files[:3]:
        target = tree / path.parent.name / "deeper" / path.name
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
    (tree / ".hidden.json").write_text('{"foo": 1}')
    (tree / "notes.txt").write_text("hello")
    first, second = read([tree]), read([tree])
    assert [r.source for r in first] == [r.source for r in second]
    assert len(ok(first)) == sum(len(json.loads(p.read_bytes())) for p in array_files[:3])


# --- legacy XML ------------------------------------------------------------------------------


def squash(text: str | None) -> str | None:
    return " ".join(text.split()) or None if text else None


def words(text: str | None) -> list[str]:
    return [w for w in (text or "").split() if w not in {"-", "*", "•"}]


LEGACY_STATUS = {
    "Completed": "COMPLETED", "Terminated": "TERMINATED", "Unknown status": "UNKNOWN", "Withdrawn": "WITHDRAWN",
    "Active, not recruiting": "ACTIVE_NOT_RECRUITING", "Recruiting": "RECRUITING", "Suspended": "SUSPENDED",
    "Not yet recruiting": "NOT_YET_RECRUITING", "Enrolling by invitation": "ENROLLING_BY_INVITATION",
}
LEGACY_PHASE = {"Phase 1": ["PHASE1"], "Phase 2": ["PHASE2"], "Phase 3": ["PHASE3"], "Phase 4": ["PHASE4"],
                "Phase 1/Phase 2": ["PHASE1", "PHASE2"], "Phase 2/Phase 3": ["PHASE2", "PHASE3"],
                "Early Phase 1": ["EARLY_PHASE1"], "N/A": ["NA"]}


@pytest.fixture(scope="module")
def legacy_folder(legacy_dir: Path) -> Path:
    return _require(legacy_dir / "NCT0046xxxx")


def test_legacy_xml_folder_maps_onto_the_trial_model(legacy_folder):
    files = sorted(legacy_folder.glob("*.xml"))
    records = read([legacy_folder.parent / legacy_folder.name])
    assert [Path(r.source) for r in records] == files
    trials = [trial_from_ctgov(s) for s in ok(records)]
    checked = {"why_stopped": 0, "locations": 0, "phases": 0, "min_age": 0, "criteria": 0}
    for path, trial in zip(files, trials):
        root = ET.parse(path).getroot()
        assert trial.nct_id == path.stem == root.findtext("id_info/nct_id")
        assert trial.source_format == "ctgov-legacy-xml"
        assert trial.brief_title == squash(root.findtext("brief_title"))
        assert trial.overall_status == LEGACY_STATUS[root.findtext("overall_status")]
        assert trial.conditions == [squash(c.text) for c in root.findall("condition")]
        assert trial.sponsor == squash(root.findtext("sponsors/lead_sponsor/agency"))
        assert len(trial.locations) == len(root.findall("location"))
        checked["locations"] += bool(trial.locations)
        for site, loc in zip(trial.locations, root.findall("location")):
            assert site.city == squash(loc.findtext("facility/address/city"))
            assert site.country == squash(loc.findtext("facility/address/country"))
        phase = root.findtext("phase")
        if phase:
            assert trial.phases == LEGACY_PHASE[phase]
            checked["phases"] += 1
        if root.findtext("why_stopped"):
            assert words(trial.why_stopped) == words(root.findtext("why_stopped"))
            checked["why_stopped"] += 1
        min_age = root.findtext("eligibility/minimum_age")
        if min_age and min_age != "N/A":
            number, unit = min_age.split()
            assert trial.eligibility.minimum_age.value == float(number)
            assert trial.eligibility.minimum_age.unit.rstrip("s") == unit.lower().rstrip("s")
            checked["min_age"] += 1
        criteria = root.findtext("eligibility/criteria/textblock")
        if criteria:
            assert words(trial.eligibility.criteria) == words(criteria)
            checked["criteria"] += 1
        count = root.findtext("enrollment")
        if count:
            assert trial.enrollment.count == int(count)
            kind = root.find("enrollment").get("type")
            assert trial.enrollment.type == {"Actual": "ACTUAL", "Anticipated": "ESTIMATED", None: None}[kind]
    assert all(checked.values()), checked


def test_legacy_xml_in_a_zip_like_all_public_xml(tmp_path, legacy_dir):
    files = sorted(legacy_dir.glob("NCT*xxxx/*.xml"))[::50]
    archive = tmp_path / "AllPublicXML.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in files:
            z.write(path, f"{path.parent.name}/{path.name}")
    studies = ok(read([archive]))
    assert [nct(s) for s in studies] == [p.stem for p in files]
    assert all(trial_from_ctgov(s).source_format == "ctgov-legacy-xml" for s in studies)


# --- not registry data ---------------------------------------------------------------------

NOT_REGISTRY = {
    "picture.png": PNG,
    "trials.csv": b"nct_id,title,status\nNCT01234567,A study,RECRUITING\n",
    "foo.json": b'{"foo": 1}',
    "empty.json": b"",
    "blank.json": b"  \n\t\n",
    "numbers.json": b"[1, 2, 3]",
    "objects.json": b'[{"nctId": "NCT01234567"}]',
    "feed.xml": b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
    "page.html": b"<!DOCTYPE html><html><body>clinical_study</body></html>",
    "notes.txt": "Des études cliniques\n".encode(),
    "broken.json": b'[{"protocolSection": {"identificationModule": ',
    "utf16.json": '[{"protocolSection": {}}]'.encode("utf-16"),
    "first-line.jsonl": b'{"foo": 1}\n{"protocolSection": {}}\n',
}


@pytest.mark.parametrize("name", sorted(NOT_REGISTRY))
def test_a_file_that_is_not_registry_data_gets_one_line_naming_it(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(NOT_REGISTRY[name])
    with pytest.raises(NotRegistryData) as caught:
        read([path])
    message = str(caught.value)
    assert message.startswith(f"{path}: not registry data (")
    assert "\n" not in message and len(message) < len(str(path)) + 200


def test_a_zip_without_registry_files(tmp_path):
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.png", PNG)
        z.writestr("b.csv", "x,y\n")
    with pytest.raises(NotRegistryData, match="photos.zip"):
        read([archive])


def test_a_damaged_zip(tmp_path, studies):
    archive = tmp_path / "cut.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.json", json.dumps(studies[:5]))
    archive.write_bytes(archive.read_bytes()[:-30])
    with pytest.raises(NotRegistryData, match="cut.zip"):
        read([archive])


def test_a_missing_path(tmp_path):
    with pytest.raises(NotRegistryData, match="no such file"):
        read([tmp_path / "nowhere.json"])


def test_a_stray_file_in_a_folder_is_reported_by_name_and_the_rest_goes_on(tmp_path, studies):
    (tmp_path / "a.json").write_text(json.dumps(studies[:2]))
    (tmp_path / "b.json").write_text('{"foo": 1}')
    (tmp_path / "c.json").write_text(json.dumps(studies[2:3]))
    records = list(iter_paths([tmp_path]))
    assert [nct(r.study) for r in records if r.study] == [nct(s) for s in studies[:3]]
    [stray] = [r for r in records if r.error]
    assert stray.source.endswith("b.json") and "not registry data" in stray.error


# --- fuzzing -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=15,
)
prefixes = st.sampled_from([
    b"", b"[", b"{", b'{"studies": [', b'[{"protocolSection": ', b'{"protocolSection": {}}\n', b"\xef\xbb\xbf",
    b"<", b"<?xml version='1.0'?>", b"<clinical_study>", b"<clinical_study><id_info><nct_id>NCT00000001</nct_id>",
    b"<!DOCTYPE clinical_study [<!ENTITY a 'b'>]><clinical_study>", b"PK\x03\x04",
])


def consume(data: bytes) -> None:
    try:
        for record in iter_bytes(data, "fuzz.json"):
            assert isinstance(record, SourceRecord)
            assert (record.study is None) != (record.error is None)
            if record.study is not None:
                assert isinstance(record.study, dict)
                try:
                    trial_from_ctgov(record.study)
                except InvalidRecord:
                    pass
            else:
                assert isinstance(record.error, str)
    except NotRegistryData as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.json: ")


@settings(max_examples=200, deadline=None)
@given(prefixes, st.binary(max_size=300))
def test_fuzz_iter_bytes_with_arbitrary_bytes(prefix, data):
    consume(prefix + data)


@settings(max_examples=200, deadline=None)
@given(prefixes, st.text(max_size=300))
def test_fuzz_iter_bytes_with_text(prefix, text):
    consume(prefix + text.encode("utf-8", "surrogatepass"))


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    json_values,
    st.lists(st.dictionaries(st.sampled_from(["protocolSection", "derivedSection", "hasResults"]), json_values)),
    st.fixed_dictionaries({"studies": st.lists(json_values, max_size=4)}),
), st.booleans())
def test_fuzz_iter_bytes_with_json_documents(document, as_lines):
    if as_lines and isinstance(document, list):
        consume(b"\n".join(json.dumps(item).encode() for item in document))
    else:
        consume(json.dumps(document).encode())


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzz_iter_bytes_with_damaged_real_files(studies, data):
    blob = json.dumps(data.draw(st.sampled_from(studies))).encode()
    start = data.draw(st.integers(0, len(blob)))
    end = data.draw(st.integers(start, min(len(blob), start + 40)))
    consume(blob[:start] + data.draw(st.binary(max_size=20)) + blob[end:])
