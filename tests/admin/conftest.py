"""An audit log with one entry of every kind the application writes, through the real services."""
import pytest

from ecole.accounts import services as accounts
from ecole.catalogue import services as catalogue_services
from ecole.catalogue.models import Course
from ecole.enrolment import services as enrolment
from ecole.extensions import db
from tests.catalogue.conftest import load_fixture_catalogue
from tests.factories import make_session, make_user


@pytest.fixture
def catalogue(app_context):
    return load_fixture_catalogue()


@pytest.fixture
def history(people):
    """Every kind of audit entry (accounts, catalogue, sessions, enrolments), made by real people."""
    admin, trainer, trainee = people.admin, people.trainer, people.trainee
    load_fixture_catalogue()                                                   # catalogue.import (system)
    saffron = db.session.scalar(db.select(Course).where(Course.slug == "saffron-basics"))
    catalogue_services.set_published(db.session.scalar(db.select(Course).where(Course.slug == "draft-course")), True,
                            actor=admin)                                       # course.publish
    catalogue_services.create_theme("water_boards", {"fr": "Comités de l’eau", "ar": "لجان الماء"}, actor=admin)
    accounts.set_roles(trainee, {"trainee", "trainer"}, actor=admin)           # user.roles
    registered = accounts.register_user({"name_latin": "Lahcen Ait Baha", "phone": "0655443322"},
                                        actor=trainer).user                     # user.register
    accounts.issue_reset_code(registered, actor=admin)                         # user.reset_code
    accounts.update_profile(registered, {"name_arabic": "لحسن آيت باها"}, actor=admin)  # user.update
    db.session.commit()
    session = make_session(trainer, commune="Askaoun")                         # session.create, meeting.add, publish
    approval = make_session(trainer, commune="Tafraout", requires_approval=True)
    asking = make_user("trainee", name="Asking Person", email="asking@example.org")
    request = enrolment.enrol(approval, asking, actor=asking)
    enrolment.approve(request, actor=admin)                                     # enrolment.approve
    enrolment.enrol(session, registered, actor=trainer, walk_in=True)           # enrolment.walk_in
    cancelled = make_session(trainer, commune="Igherm")
    enrolment.enrol(cancelled, asking, actor=asking)
    enrolment.cancel_session(cancelled, "Route coupée par la neige", actor=admin)  # session.cancel
    accounts.set_active(asking, False, actor=admin)                            # user.deactivate
    db.session.commit()
    return {"saffron": saffron, "session": session, "approval": approval, "cancelled": cancelled,
            "registered": registered, "asking": asking}
