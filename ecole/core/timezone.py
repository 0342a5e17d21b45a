"""Morocco's clock from one source: the pinned `tzdata` package (requirements.txt), never the
machine's /usr/share/zoneinfo nor pytz. Morocco's rules change often (Ramadan, and a return to
UTC+0 from September 2026 in tzdata 2026f); storing and showing times through different
databases would shift every meeting by an hour."""
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    path = resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
    with path.open("rb") as handle:
        return ZoneInfo.from_file(handle, key=name)


def use_pinned_tzdata() -> None:
    """Every ZoneInfo of the process (icalendar's VTIMEZONE too) reads the pinned tzdata package."""
    import zoneinfo

    if zoneinfo.TZPATH:
        zoneinfo.reset_tzpath(to=())
        zoneinfo.ZoneInfo.clear_cache()
        zone.cache_clear()


def school_zone() -> ZoneInfo:
    """The school's clock (Africa/Casablanca unless configured): every time is stored in UTC and
    shown, typed and exported on this one."""
    from flask import current_app

    return zone(current_app.config["BABEL_DEFAULT_TIMEZONE"])
