from ecole.extensions import db
from tests.helpers import post


def test_pages(trip, people, as_role, client):
    sid = trip.session_id
    trainer = as_role("trainer")
    for url in ["trip", "trip/itinerary", "trip/logistics", "trip/participants", "trip/documents", "trip/report"]:
        r = trainer.get(f"/sessions/{sid}/{url}")
        assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:3000])
    trainee = as_role("trainee")
    r = trainee.get(f"/sessions/{sid}/apply")
    assert r.status_code == 200, r.get_data(as_text=True)[:2000]
    r = post(trainee, f"/sessions/{sid}/apply", {"motivation": "Je veux apprendre"})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    r = client.get(f"/sessions/{sid}")
    assert r.status_code == 200
    r = trainer.get(f"/sessions/{sid}/trip/participants")
    assert "Je veux apprendre" in r.get_data(as_text=True)
    admin = as_role("admin")
    from ecole.enrolment.models import Enrolment
    e = db.session.scalar(db.select(Enrolment).where(Enrolment.session_id == sid))
    r = post(admin, f"/sessions/{sid}/trip/applications/{e.id}/select", {})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, e.id).status == "confirmed"
    for url in ["trip/participants", "trip/documents", "trip/report"]:
        r = trainer.get(f"/sessions/{sid}/{url}")
        assert r.status_code == 200, (url, r.get_data(as_text=True)[:3000])
    r = trainee.get(f"/sessions/{sid}/trip/report")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    stop = trip.stops[0]
    r = post(trainee, f"/sessions/{sid}/trip/report/{stop.id}", {f"stop-{stop.id}-language": "ar", f"stop-{stop.id}-learnt": "تعلمت", f"stop-{stop.id}-replicate": "x"})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    r = post(trainer, f"/sessions/{sid}/trip/report/publish", {})
    r = client.get(f"/trips/{sid}")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    assert "تعلمت" in r.get_data(as_text=True)
    r = client.get("/")
    assert f"/trips/{sid}" in r.get_data(as_text=True)
