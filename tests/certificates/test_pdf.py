from ecole.certificates import services
from ecole.core.storage import get_storage
from ecole.extensions import db


def test_dump(held, people):
    c = services.issue(held[1][0], actor=people.admin)
    db.session.commit()
    open("/tmp/cert/c.pdf", "wb").write(get_storage().get(c.storage_key))
    import json
    json.dump({"code": c.code, "titles": c.course_titles, "hours": c.hours, "cred": c.credential}, open("/tmp/cert/c.json", "w"), ensure_ascii=False)
