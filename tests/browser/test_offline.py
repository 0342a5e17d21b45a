"""A trainer takes a register in a commune hall without network, on a 390 × 844 phone: "Mes séances"
opened with the network keeps the week's registers on the phone; offline, the register opens from
the service worker's cache, marks wait in the outbox (and survive a reload); when the network
returns they are sent once. Signing out forgets the trainer's pages and data."""
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from ecole.attendance.models import AttendanceMark
from ecole.extensions import db
from tests.browser.pages import LANGS, assert_language, shoot
from tests.browser.test_homes import sign_in
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.factories import make_held_session, make_user

PHONE = {"width": 390, "height": 844}
READY_MS = 30_000  # the service worker's first install and 1 + 1 pages stored, on a shared 2-core machine

# How many marks wait in the outbox (0 when the database does not exist: opening it would create it empty).
OUTBOX_COUNT = """
async () => {
  const known = (await indexedDB.databases()).some(db => db.name === "ecole");
  if (!known) return 0;
  return await new Promise((resolve, reject) => {
    const opening = indexedDB.open("ecole");
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      if (!db.objectStoreNames.contains("outbox")) { db.close(); resolve(0); return; }
      const counting = db.transaction("outbox").objectStore("outbox").count();
      counting.onsuccess = () => { db.close(); resolve(counting.result); };
    };
  });
}
"""

# What the phone still holds for a person: personal caches and the rows of every IndexedDB store.
KEPT = """
async () => {
  const personal = (await caches.keys()).filter(name => name.startsWith("registers-"));
  const known = (await indexedDB.databases()).some(db => db.name === "ecole");
  let rows = 0;
  if (known) {
    rows = await new Promise((resolve) => {
      const opening = indexedDB.open("ecole");
      opening.onsuccess = async () => {
        const db = opening.result;
        let total = 0;
        for (const name of db.objectStoreNames) {
          total += await new Promise(done => {
            const counting = db.transaction(name).objectStore(name).count();
            counting.onsuccess = () => done(counting.result);
          });
        }
        db.close();
        resolve(total);
      };
    });
  }
  return {personal, rows};
}
"""


@pytest.fixture
def meeting(people, catalogue):  # noqa: F811
    """A meeting of today that began two hours ago (or at midnight), with 20 trainees."""
    trainees = [make_user("trainee", name=f"Stagiaire Hors Ligne {n:02d}", name_arabic=f"متدرب {n:02d}",
                          email=f"offline{n}@example.org", phone=f"06620000{n:02d}") for n in range(20)]
    start = max(0, datetime.now(ZoneInfo("Africa/Casablanca")).hour - 2)
    course_session, enrolments = make_held_session(people.trainer, trainees, meetings=((0, start, start + 1),))
    return course_session.meetings[0], enrolments


def wait_for_outbox(page: Page, count: int, timeout_ms: int = READY_MS) -> None:
    deadline = time.monotonic() + timeout_ms / 1000
    while (found := page.evaluate(OUTBOX_COUNT)) != count:
        assert time.monotonic() < deadline, f"{found} marks wait in the outbox, not {count}"
        page.wait_for_timeout(100)


def marks() -> dict[int, str]:
    db.session.rollback()  # end the test's read snapshot: see what the server committed
    return {m.enrolment_id: m.status for m in db.session.scalars(db.select(AttendanceMark))}


def keep_registers_offline(page: Page) -> None:
    """Open "Mes séances" with the network and wait until the phone holds its registers."""
    page.goto("/meetings/mine")
    expect(page.locator("main")).to_have_attribute("data-offline-ready", "true", timeout=READY_MS)
    assert page.evaluate("!!navigator.serviceWorker.controller")


@pytest.mark.parametrize("lang", LANGS)
def test_a_register_taken_offline_is_sent_once_when_the_network_returns(new_context, people, meeting, lang):
    the_meeting, enrolments = meeting
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, people.trainer, lang)
    keep_registers_offline(page)

    context.set_offline(True)
    response = page.goto(f"/meetings/{the_meeting.id}/register")
    assert response.from_service_worker, "the register did not come from the service worker"
    assert_language(page, lang)
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_be_visible()

    page.locator("[data-all-present]").click()
    absent = [enrolments[3], enrolments[11]]
    for enrolment in absent:
        page.locator(f'label.mark-absent:has(input[name="mark-{enrolment.id}"])').click()
    wait_for_outbox(page, 20)
    expect(banner).to_contain_text("20")
    expect(page.locator("[data-send-now]")).to_be_visible()
    assert marks() == {}, "nothing reaches the server without network"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the offline register is {overflow}px wider than the phone in {lang}"
    shoot(page, f"offline-register-{lang}")

    response = page.reload()  # still offline: the stored page, with the waiting marks put back
    assert response.from_service_worker
    for enrolment in enrolments:
        status = "absent" if enrolment in absent else "present"
        expect(page.locator(f'input[name="mark-{enrolment.id}"][value="{status}"]')).to_be_checked()
    expect(banner).to_contain_text("20")

    context.set_offline(False)  # the `online` event sends the outbox
    wait_for_outbox(page, 0)
    stored = marks()
    assert len(stored) == 20, (page.locator('[data-offline-box]').inner_text(), page.locator('[data-status]').inner_text())
    assert {e.id for e in absent} == {k for k, v in stored.items() if v == "absent"}
    assert list(stored.values()).count("present") == 18
    expect(page.locator("[data-send-now]")).to_be_hidden()


def test_signing_out_forgets_the_trainers_offline_data(new_context, people, meeting):
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, people.trainer, "fr")
    keep_registers_offline(page)
    kept = page.evaluate(KEPT)
    assert kept["personal"] == [f"registers-{people.trainer.id}"] and kept["rows"] > 0, kept

    with page.expect_navigation():
        page.locator("form[data-logout] button").click()
    expect(page.locator("form[data-logout]")).to_have_count(0)  # signed out
    assert page.evaluate(KEPT) == {"personal": [], "rows": 0}
    # The register is no longer on the phone: offline, it is the offline page.
    context.set_offline(True)
    page.goto(f"/meetings/{meeting[0].id}/register")
    expect(page.locator("main.offline-page h1")).to_be_visible()
