"""A study trip from its scheduling to its published report, on a 390×844 phone, in French and in
Arabic (right to left): the administrator schedules the trip and fills its pages, five trainees
apply from their own phones, the administrator selects them against a women's quota, the trainer
takes a stop's register, a participant writes what she learnt, the trainer adds a photo and
publishes, and an anonymous visitor reads the report from the home and course pages. Every step
goes through the real pages; a screenshot each (artifacts/screenshots/trip-<step>-<lang>.png)."""
import re
from datetime import datetime, time, timedelta

import pytest
from flask_babel import force_locale, gettext, ngettext
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from ecole.attendance.models import AttendanceMark
from ecole.catalogue.models import Course
from ecole.core.timezone import school_zone
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.i18n import LANGUAGE_NAMES
from ecole.sessions.services import to_utc
from ecole.trips import services as trip_services
from ecole.trips.models import ReportEntry, ReportPhoto, Trip, TripStop
from ecole.trips.services import StopData
from tests.browser.pages import DIRECTION, assert_fonts_render, assert_language, path_of, shoot
from tests.catalogue.conftest import load_fixture_catalogue
from tests.factories import PASSWORD, make_user

PHONE = {"width": 390, "height": 844}

# Who applies, in this order (name, Arabic name, gender): with 4 seats of which 2 are held for women,
# the third man is put on the waitlist while a seat is still free (it waits for a woman).
APPLICANTS = [
    ("Ahmed Oukhouya", "أحمد أوخويا", "m"),
    ("Fadma Ait Ali", "فاضمة آيت علي", "f"),
    ("Lahcen Amzil", "لحسن أمزيل", "m"),
    ("Brahim Id Bella", "ابراهيم إد بلا", "m"),
    ("Mina Boutaleb", "مينة بوطالب", "f"),
]
# Recorded by the administrator for someone who cannot type: selected once the trip is full.
LATE = ("Itto Ouhammou", "إيطو أوحمو", "f")

PURPOSE = {"fr": "Voir comment une coopérative de femmes sèche, trie et vend son safran.",
           "ar": "معرفة كيف تجفف تعاونية نسائية زعفرانها وتفرزه وتبيعه."}
LEARNT = {"fr": "On cueille les fleurs à l’aube et on sèche les stigmates le jour même, à l’ombre.",
          "ar": "تُقطف الأزهار عند الفجر وتُجفف الخيوط في اليوم نفسه في الظل."}
REPLICATE = {"fr": "Un séchoir à l’ombre pour notre coopérative.", "ar": "مجفف في الظل لتعاونيتنا."}


def t(lang: str, text: str, **values) -> str:
    """`text` as the page shows it in `lang` (the catalogue's translation, or the French text)."""
    with force_locale(lang):
        return gettext(text, **values)


def nt(lang: str, singular: str, plural: str, num: int) -> str:
    with force_locale(lang):
        return ngettext(singular, plural, num)


# The innermost elements that stick out of the screen (on either side), to name them when a page scrolls sideways.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll("body *")].filter(el => {
    const box = el.getBoundingClientRect();
    if (!(box.width > 0 && (box.right > width + 1 || box.left < -1))) return false;
    if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return true;  // may escape a scroll strip
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return false;  // scrolled or clipped inside its box
    }
    return true;
  });
  return out.filter(el => !out.some(other => other !== el && el.contains(other))).slice(0, 8)
    .map(el => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className ? "." + String(el.className).split(" ").join(".") : ""}`
               + ` [${Math.round(el.getBoundingClientRect().left)}–${Math.round(el.getBoundingClientRect().right)}]`);
}"""


def no_sideways_scroll(page: Page, what: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} is {overflow}px wider than the phone ({page.url}): {page.evaluate(STICKING_OUT)}"


def check(page: Page, lang: str, what: str) -> None:
    """A page of the journey: in the chosen language and direction, nothing wider than the phone."""
    assert_language(page, lang)
    expect(page.locator("html")).to_have_attribute("dir", DIRECTION[lang])
    no_sideways_scroll(page, what)
    # A hidden input (a prefixed form's CSRF token) drawn as a field shows a bare "CSRF Token" label.
    expect(page.locator("main .field:has(> input[type=hidden])")).to_have_count(0)


def flash(page: Page) -> None:
    expect(page.locator("main .flash-success")).to_be_visible()


def submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()


def sign_in(new_context, person, lang: str) -> Page:
    """A phone of its own, signed in; the person's profile speaks `lang` (a signed-in page follows it)."""
    page = new_context(viewport=PHONE).new_page()
    page.goto(f"/login?lang={lang}")
    page.fill("#identifier", person.email or person.phone)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    assert path_of(page) == "/", f"{person.name_latin} could not sign in: {page.url}"
    return page


def fresh() -> None:
    """End the test's read snapshot (SQLite): see what the server committed."""
    db.session.rollback()


def school_today():
    return datetime.now(school_zone()).date()


def photo_file(tmp_path):
    """A 800×600 PNG: a field, a sky, a sun."""
    image = Image.new("RGB", (800, 600), (120, 170, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 800, 300), fill=(150, 200, 240))
    draw.ellipse((600, 60, 700, 160), fill=(250, 210, 60))
    for x in range(40, 800, 80):
        draw.ellipse((x, 400, x + 40, 440), fill=(140, 80, 170))  # saffron flowers
    path = tmp_path / "champ-de-safran.png"
    image.save(path)
    return path


@pytest.fixture
def school(people):
    load_fixture_catalogue()
    course = db.session.scalar(db.select(Course).where(Course.slug == "saffron-basics"))
    return course


@pytest.mark.parametrize("lang", ("fr", "ar"))
def test_a_study_trip_from_its_creation_to_its_published_report(new_context, people, school, tmp_path, lang):
    # --- the people: staff and five trainees (two women), everyone reading in `lang` -----------------
    people.admin.locale = people.trainer.locale = lang
    trainees = [make_user("trainee", name=name, name_arabic=arabic, gender=gender, locale=lang,
                          email=f"applicant{n}@example.org", phone=f"06611000{n:02d}", commune="Taliouine")
                for n, (name, arabic, gender) in enumerate(APPLICANTS)]
    late = make_user("trainee", name=LATE[0], name_arabic=LATE[1], gender=LATE[2], locale=lang, email=None,
                     phone="0661100099", commune="Askaoun")
    db.session.commit()
    first_day = school_today() + timedelta(days=10)

    # --- 1. the administrator schedules the trip -------------------------------------------------------
    admin = sign_in(new_context, people.admin, lang)
    admin.goto("/sessions/new")
    check(admin, lang, "the new session form")
    admin.select_option("#course_id", str(school.id))
    admin.select_option("#format", "study_trip")
    admin.check(f'input[name=trainer_ids][value="{people.trainer.id}"]')
    admin.fill("#commune", "Taliouine")
    admin.fill("#place", "Maison du safran")
    admin.fill("#capacity", "6")
    admin.fill("#women_seats", "2")
    shoot(admin, f"trip-1-new-session-{lang}")
    submit(admin, "main form.card:has(#course_id)")
    match = re.search(r"/sessions/(\d+)/manage$", path_of(admin))
    assert match, f"the new session did not open its manage page: {admin.url}"
    sid = int(match.group(1))
    flash(admin)
    check(admin, lang, "the session's manage page")
    trip_link = admin.locator(f'main a.button[href="/sessions/{sid}/trip"]')
    expect(trip_link).to_have_text(t(lang, "Voyage d’étude"))
    shoot(admin, f"trip-1-manage-{lang}")

    # --- 2. the trip: its purpose in two languages, its questions, its lodging --------------------------
    with admin.expect_navigation():
        trip_link.click()
    assert path_of(admin) == f"/sessions/{sid}/trip"
    check(admin, lang, "the trip page")
    expect(admin.locator("nav.subnav a[aria-current=page]")).to_have_text(t(lang, "Le voyage"))
    expect(admin.locator("#purpose_ar")).to_have_attribute("dir", "rtl")
    admin.fill("#purpose_fr", PURPOSE["fr"])
    admin.fill("#purpose_ar", PURPOSE["ar"])
    admin.fill("#questions_fr", "Comment fixer le prix ?\nComment garantir la qualité ?")
    admin.fill("#questions_ar", "كيف يحدد الثمن؟\nكيف تضمن الجودة؟")
    admin.fill("#lodging", "Gîte de Taliouine, deux nuits")
    admin.fill("#meals", "Déjeuner chez l’hôte")
    admin.fill("#budget_per_participant", "800")
    submit(admin, "main form.card:has(#purpose_fr)")
    assert path_of(admin) == f"/sessions/{sid}/trip"
    flash(admin)
    expect(admin.locator("#purpose_ar")).to_have_value(PURPOSE["ar"])
    expect(admin.locator("#lodging")).to_have_value("Gîte de Taliouine, deux nuits")
    no_sideways_scroll(admin, "the saved trip page")
    shoot(admin, f"trip-2-details-{lang}")

    # --- 3. the itinerary: two stops with their hosts; then a vehicle and an emergency contact -----------
    admin.locator(f'nav.subnav a[href="/sessions/{sid}/trip/itinerary"]').click()
    admin.wait_for_url(f"**/sessions/{sid}/trip/itinerary")
    check(admin, lang, "the itinerary")
    stops = [
        (first_day, "09:00", "12:00", "Taliouine", "Coopérative Souktana", "Coopérative Souktana du safran",
         "Fatima Ait Lahcen", "0661234567", "Récolte et émondage des fleurs", "جني الأزهار وتنقيتها"),
        (first_day + timedelta(days=1), "14:00", "17:00", "Tazenakht", "Maison du tapis",
         "Association des tisserandes de Tazenakht", "Itto Ait Baha", "0662345678",
         "Teinture au safran", "الصباغة بالزعفران"),
    ]
    for number, (day, start, end, commune, place, host, contact, phone, program_fr, program_ar) in enumerate(stops, 1):
        form = admin.locator("form#new-stop")
        form.locator("#day").fill(day.isoformat())
        form.locator("#start").fill(start)
        form.locator("#end").fill(end)
        form.locator("#commune").fill(commune)
        form.locator("#place").fill(place)
        form.locator("#host_organisation").fill(host)
        form.locator("#host_contact").fill(contact)
        form.locator("#host_phone").fill(phone)
        form.locator("#program_fr").fill(program_fr)
        form.locator("#program_ar").fill(program_ar)
        submit(admin, "form#new-stop")
        flash(admin)
        expect(admin.locator("ol.stops > li.stop")).to_have_count(number)
    cards = admin.locator("ol.stops > li.stop")
    expect(cards.nth(0)).to_contain_text("Coopérative Souktana du safran")
    expect(cards.nth(0).locator('a[href="tel:0661234567"]')).to_be_visible()
    expect(cards.nth(1)).to_contain_text("Association des tisserandes de Tazenakht")
    expect(cards.nth(1)).to_contain_text("Itto Ait Baha")
    # The program shows in the reader's language when it has one.
    expect(cards.nth(0)).to_contain_text({"fr": "Récolte et émondage des fleurs", "ar": "جني الأزهار وتنقيتها"}[lang])
    check(admin, lang, "the itinerary with two stops")
    shoot(admin, f"trip-3-itinerary-{lang}")

    admin.locator(f'nav.subnav a[href="/sessions/{sid}/trip/logistics"]').click()
    admin.wait_for_url(f"**/sessions/{sid}/trip/logistics")
    check(admin, lang, "the logistics page")
    admin.fill("#vehicle-label", "Minibus de l’association")
    admin.fill("#vehicle-seats", "4")
    admin.fill("#vehicle-driver", "Lahcen Ouberri")
    admin.fill("#vehicle-driver_phone", "0670000000")
    submit(admin, "#vehicles form")
    flash(admin)
    vehicles = admin.locator("#vehicles")
    expect(vehicles.locator("ul > li")).to_have_count(1)
    expect(vehicles.locator("ul > li")).to_contain_text("Minibus de l’association")
    expect(vehicles.locator("p.meta")).to_contain_text(nt(lang, "%(num)d place dans les véhicules",
                                                          "%(num)d places dans les véhicules", 4))
    admin.fill("#contact-name", "Khadija Ouzzine")
    admin.fill("#contact-role", "Accompagnatrice")
    admin.fill("#contact-phone", "0668000000")
    submit(admin, "#contacts form")
    flash(admin)
    expect(admin.locator('#contacts a[href="tel:0668000000"]')).to_be_visible()
    check(admin, lang, "the logistics page with a vehicle")
    shoot(admin, f"trip-3-logistics-{lang}")
    fresh()
    trip = db.session.get(Trip, sid)
    assert trip.course_session.capacity == 4, "the capacity did not follow the vehicle's 4 seats"
    assert [stop.host_organisation for stop in trip.stops] == [stop[5] for stop in stops]
    db.session.commit()

    # --- 4. the administrator publishes the session -------------------------------------------------------
    admin.goto(f"/sessions/{sid}/manage")
    expect(admin.locator("main ol.meetings > li")).to_have_count(2)  # each stop is a meeting
    submit(admin, f'form[action="/sessions/{sid}/publish"]')
    expect(admin.locator("main .flash")).to_contain_text(t(lang, "La session est publiée."))
    expect(admin.locator(f'form[action="/sessions/{sid}/publish"]')).to_have_count(0)
    check(admin, lang, "the published session's manage page")
    shoot(admin, f"trip-4-published-{lang}")

    # --- 5. five trainees apply from their own phones ----------------------------------------------------
    for number, person in enumerate(trainees):
        phone = sign_in(new_context, person, lang)
        phone.goto(f"/sessions/{sid}")
        check(phone, lang, "the trip's public page")
        expect(phone.locator("main ol.stops > li")).to_have_count(2)
        expect(phone.locator("main")).to_contain_text(PURPOSE[lang])
        expect(phone.locator("main")).not_to_contain_text("0661234567")  # the hosts' phones stay with staff
        apply = phone.locator(f'main a.button[href="/sessions/{sid}/apply"]')
        expect(apply).to_have_text(t(lang, "Poser ma candidature"))
        if number == 0:
            shoot(phone, f"trip-5-session-{lang}")
        with phone.expect_navigation():
            apply.click()
        check(phone, lang, "the application form")
        phone.fill("#motivation", f"Je veux apprendre à sécher le safran ({person.name_latin})."
                   if lang == "fr" else f"أريد أن أتعلم تجفيف الزعفران ({person.name_arabic}).")
        if number == 0:
            shoot(phone, f"trip-5-apply-{lang}")
        submit(phone, "main form.card:has(#motivation)")
        assert path_of(phone) == f"/sessions/{sid}"
        expect(phone.locator("main .flash-success")).to_have_text(
            t(lang, "Votre candidature est envoyée : l’école vous dira si vous êtes retenu."))
        expect(phone.locator("main section.card strong").first).to_have_text(t(lang, "Demande en attente d’accord"))
        if number == 0:
            shoot(phone, f"trip-5-applied-{lang}")
        phone.context.close()

    # --- 6. the administrator selects against the women's quota; the last one waits -------------------------
    fresh()
    enrolments = {e.user_id: e.id for e in db.session.scalars(db.select(Enrolment).where(Enrolment.session_id == sid))}
    db.session.commit()
    assert len(enrolments) == 5
    admin.goto(f"/sessions/{sid}/trip/participants")
    check(admin, lang, "the participants page")
    expect(admin.locator("ol.applicants > li.card")).to_have_count(5)
    expect(admin.locator("ol.applicants form[action$='/select'] button")).to_have_count(5)
    meter = admin.locator("#selection meter")
    expect(meter).to_have_count(1)
    expect(meter).to_have_attribute("max", "2")
    expect(meter).to_have_attribute("value", "0")
    expect(admin.locator("#selection")).to_contain_text(t(lang, "Places réservées aux femmes"))
    shoot(admin, f"trip-6-applicants-{lang}")

    confirmed, waitlisted = t(lang, "Inscription confirmée"), t(lang, "Sur liste d’attente")
    # (who, expected status, seats taken after, women's quota after)
    expected = [(trainees[0], "confirmed", 1, 0), (trainees[1], "confirmed", 2, 1), (trainees[2], "confirmed", 3, 1),
                (trainees[3], "waitlisted", 3, 1),  # the last free seat is held for a woman
                (trainees[4], "confirmed", 4, 2)]
    for person, status, taken, women in expected:
        card = admin.locator(f"#applicant-{enrolments[person.id]}")
        submit(admin, f"#applicant-{enrolments[person.id]} form[action$='/select']")
        message = ("%(name)s est retenu(e) : sa place est confirmée." if status == "confirmed"
                   else "%(name)s est sur la liste d’attente.")
        expect(admin.locator("main .flash-success")).to_have_text(t(lang, message, name=person.name_latin))
        expect(card.locator("p.meta strong")).to_have_text(confirmed if status == "confirmed" else waitlisted)
        expect(meter).to_have_attribute("value", str(women))
        expect(admin.locator("#selection p strong").first).to_have_text(
            t(lang, "%(taken)s places prises sur %(capacity)s", taken=str(taken), capacity="4"))
    expect(admin.locator("ol.applicants form[action$='/select']")).to_have_count(0)
    # Full: someone who cannot type, recorded by the administrator, then selected, waits too.
    admin.fill("#for-identifier", "0661100099")
    admin.fill("#for-motivation", "Elle veut voir le séchage (dit au téléphone).")
    submit(admin, "form#apply-for")
    flash(admin)
    fresh()
    late_id = db.session.scalar(db.select(Enrolment.id).where(Enrolment.user_id == late.id))
    db.session.commit()
    submit(admin, f"#applicant-{late_id} form[action$='/select']")
    expect(admin.locator("main .flash-success")).to_have_text(
        t(lang, "%(name)s est sur la liste d’attente.", name=LATE[0]))
    expect(admin.locator(f"#applicant-{late_id} p.meta strong")).to_have_text(waitlisted)
    expect(admin.locator(f"#applicant-{late_id} blockquote footer")).to_contain_text(people.admin.name_latin)
    expect(admin.locator("ol.applicants > li.card p.meta strong").filter(has_text=confirmed)).to_have_count(4)
    expect(admin.locator("ol.applicants > li.card p.meta strong").filter(has_text=waitlisted)).to_have_count(2)
    expect(admin.locator("#selection")).to_contain_text(nt(lang, "%(num)d femme", "%(num)d femmes", 2))
    check(admin, lang, "the participants page after the selection")
    shoot(admin, f"trip-6-selection-{lang}")
    fresh()
    statuses = {e.user_id: e.status for e in db.session.scalars(db.select(Enrolment).where(Enrolment.session_id == sid))}
    db.session.commit()
    assert statuses == {trainees[0].id: "confirmed", trainees[1].id: "confirmed", trainees[2].id: "confirmed",
                        trainees[3].id: "waitlisted", trainees[4].id: "confirmed", late.id: "waitlisted"}

    # --- 7. the first stop happens today: the trainer takes its register ------------------------------------
    first = db.session.scalar(db.select(TripStop).where(TripStop.session_id == sid, TripStop.position == 1))
    today = school_today()
    trip_services.update_stop(first, StopData(
        starts_at=to_utc(today, time(8, 0)), ends_at=to_utc(today, time(12, 0)), commune=first.commune,
        place=first.place, host_organisation=first.host_organisation, host_contact=first.host_contact,
        host_phone=first.host_phone, program=dict(first.program)), actor=people.trainer)
    first_id, meeting_id = first.id, first.meeting_id
    second_id = db.session.scalar(db.select(TripStop.id).where(TripStop.session_id == sid, TripStop.position == 2))
    db.session.commit()

    trainer = sign_in(new_context, people.trainer, lang)
    trainer.goto(f"/sessions/{sid}/trip/itinerary")
    check(trainer, lang, "the trainer's itinerary")
    register_link = trainer.locator(f'#stop-{first_id} a[href="/meetings/{meeting_id}/register"]')
    expect(register_link).to_have_text(t(lang, "Feuille de présence"))
    with trainer.expect_navigation():
        register_link.click()
    check(trainer, lang, "the stop's register")
    assert_fonts_render(trainer)
    rows = trainer.locator("ol.register-rows > li")
    expect(rows).to_have_count(4)  # the four selected, not the waitlist
    expect(trainer.locator("ol.register-rows")).not_to_contain_text(trainees[3].name_latin)
    trainer.locator("[data-all-present]").click()
    trainer.wait_for_function("() => { const s = document.querySelector('[data-status]');"
                              " return s.textContent && !s.textContent.includes('…'); }")
    expect(trainer.locator("[data-status]")).not_to_have_class(re.compile(r"\berror\b"))
    absent = enrolments[trainees[2].id]
    trainer.locator(f'label.mark-absent:has(input[name="mark-{absent}"])').click()
    expect(trainer.locator(f'input[name="mark-{absent}"][value="absent"]')).to_be_checked()
    trainer.locator("button.primary[value=save]").click()
    trainer.wait_for_function("() => { const s = document.querySelector('[data-status]');"
                              " return s.textContent && !s.textContent.includes('…'); }")
    expect(trainer.locator("[data-status]")).not_to_have_class(re.compile(r"\berror\b"))
    no_sideways_scroll(trainer, "the marked register")
    shoot(trainer, f"trip-7-register-{lang}")
    fresh()
    marks = {m.enrolment_id: m.status for m in db.session.scalars(db.select(AttendanceMark))}
    db.session.commit()
    assert marks == {enrolments[trainees[0].id]: "present", enrolments[trainees[1].id]: "present",
                     absent: "absent", enrolments[trainees[4].id]: "present"}, marks

    # --- 8. a participant writes what she learnt; the trainer adds a photo and publishes --------------------
    writer = trainees[1]  # Fadma, selected
    fadma = sign_in(new_context, writer, lang)
    fadma.goto(f"/sessions/{sid}")
    write = fadma.locator(f'main a.button[href="/sessions/{sid}/trip/report"]')
    expect(write).to_have_text(t(lang, "Écrire ma part du rapport"))
    with fadma.expect_navigation():
        write.click()
    check(fadma, lang, "the participant's report page")
    expect(fadma.locator("main section.card form")).to_have_count(2)  # one per stop
    expect(fadma.locator("nav.subnav")).to_have_count(0)  # the staff's tabs are not hers
    expect(fadma.locator("form#photos")).to_have_count(0)
    entry = f"#stop-{first_id}"
    fadma.select_option(f"#stop-{first_id}-language", lang)
    fadma.fill(f"#stop-{first_id}-learnt", LEARNT[lang])
    fadma.fill(f"#stop-{first_id}-replicate", REPLICATE[lang])
    submit(fadma, f"{entry} form")
    expect(fadma.locator("main .flash-success")).to_have_text(t(lang, "Votre texte est enregistré."))
    expect(fadma.locator(f"#stop-{first_id}-learnt")).to_have_value(LEARNT[lang])
    expect(fadma.locator(f"#stop-{first_id}-language")).to_have_value(lang)
    expect(fadma.locator(f"#stop-{second_id}-learnt")).to_have_value("")
    no_sideways_scroll(fadma, "the participant's report page")
    shoot(fadma, f"trip-8-report-participant-{lang}")

    trainer.goto(f"/sessions/{sid}/trip/report")
    check(trainer, lang, "the staff's report page")
    others = trainer.locator(f"#stop-{first_id} blockquote")
    expect(others).to_have_count(1)
    expect(others).to_have_attribute("lang", lang)
    expect(others).to_have_attribute("dir", DIRECTION[lang])
    expect(others).to_contain_text(LEARNT[lang])
    expect(trainer.locator("#photo-people input[type=checkbox]")).to_have_count(4)  # the seat holders
    trainer.select_option("#photo-stop", str(first_id))
    trainer.set_input_files("#photo-file", str(photo_file(tmp_path)))
    trainer.fill("#photo-caption", "Le champ de safran de la coopérative")
    submit(trainer, "form#photos")
    expect(trainer.locator("main .flash-success")).to_have_text(t(lang, "La photo est ajoutée."))
    photo = trainer.locator(f"#stop-{first_id} ul.photos img")
    expect(photo).to_have_count(1)
    photo.scroll_into_view_if_needed()
    trainer.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    shoot(trainer, f"trip-8-report-staff-{lang}")
    submit(trainer, f'form[action="/sessions/{sid}/trip/report/publish"]')
    expect(trainer.locator("main .flash-success")).to_have_text(
        t(lang, "Le rapport est publié : il est lié depuis la page de la formation et l’accueil."))
    expect(trainer.locator(f'form[action="/sessions/{sid}/trip/report/unpublish"]')).to_have_count(1)
    expect(trainer.locator(f'main p.meta a[href="/trips/{sid}"]')).to_be_visible()
    check(trainer, lang, "the published report's staff page")
    shoot(trainer, f"trip-8-report-published-{lang}")
    fresh()
    assert db.session.get(Trip, sid).is_published
    assert db.session.scalar(db.select(db.func.count()).select_from(ReportEntry)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(ReportPhoto)) == 1
    db.session.commit()

    # --- 9. anyone reads it, from the home page and from the course page ---------------------------------
    visitor = new_context(viewport=PHONE).new_page()
    visitor.goto(f"/?lang={lang}")
    check(visitor, lang, "the home page")
    link = visitor.locator(f'section.trip-reports a[href="/trips/{sid}"]')
    expect(link).to_have_count(1)
    expect(link).to_contain_text("Taliouine")
    shoot(visitor, f"trip-9-home-{lang}")
    with visitor.expect_navigation():
        link.click()
    assert path_of(visitor) == f"/trips/{sid}"
    check(visitor, lang, "the published report")
    assert_fonts_render(visitor)
    expect(visitor.locator("main")).to_contain_text(PURPOSE[lang])
    expect(visitor.locator("main section.card")).to_have_count(2)
    article = visitor.locator("main article.entry")
    expect(article).to_have_count(1)
    expect(article.locator("p.meta")).to_contain_text(
        t(lang, "écrit en %(language)s", language=LANGUAGE_NAMES[lang]))
    text = article.locator(f'div[lang="{lang}"][dir="{DIRECTION[lang]}"]')
    expect(text).to_contain_text(LEARNT[lang])
    expect(text).to_contain_text(REPLICATE[lang])
    image = visitor.locator("main ul.photos img")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("alt", "Le champ de safran de la coopérative")
    image.scroll_into_view_if_needed()
    visitor.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    box = image.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"the photo sticks out of the phone: {box}"
    for secret in ("0661234567", "0668000000", "0670000000"):  # hosts', contacts', driver's phones
        expect(visitor.locator("main")).not_to_contain_text(secret)
    no_sideways_scroll(visitor, "the published report")
    shoot(visitor, f"trip-9-report-{lang}")
    pdf = visitor.request.get(visitor.locator(f'main a[href="/trips/{sid}/report.pdf"]').get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF"), (pdf.status, pdf.headers.get("content-type"))

    visitor.goto("/courses/saffron-basics")
    check(visitor, lang, "the course page")
    expect(visitor.locator(f'section.trip-reports a[href="/trips/{sid}"]')).to_have_count(1)
    visitor.locator(f'section.trip-reports a[href="/trips/{sid}"]').scroll_into_view_if_needed()
    shoot(visitor, f"trip-9-course-{lang}")
