"""The office's status mail: every unit where it stands, and mail held back for a person."""

from __future__ import annotations

from bixue.config import Settings
from bixue.render.office import compose_office_status
from bixue.warehouse.status import required_workbooks


def _status(settings: Settings, states: dict[str, str]) -> list[dict]:
    out = []
    for unit in settings.units:
        state = states.get(unit.name, "accepted")
        subs = []
        if state != "missing":
            subs = [
                {
                    "form": w,
                    "version": 1,
                    "state": "rejected" if state == "rejected" else "accepted",
                    "late": state == "late",
                    "problems": [{"severity": "error"}] * (2 if state == "rejected" else 0),
                }
                for w in required_workbooks(settings, unit.name)
            ]
        out.append({"unit": unit.name, "state": state, "submissions": subs})
    return out


def _required(settings: Settings) -> dict[str, list[str]]:
    return {u.name: required_workbooks(settings, u.name) for u in settings.units}


def test_the_status_mail_groups_units_by_state_with_what_is_missing_or_wrong(
    settings: Settings,
) -> None:
    status = _status(
        settings, {"禄丰市": "rejected", "南华县": "missing", "绿色钛产业招商组": "late"}
    )
    notice = compose_office_status(settings, "2023-05", status, _required(settings), [])
    assert notice.to == (settings.office_address,)
    assert notice.kind == "status"
    assert notice.subject == "【报送情况】2023年1—5月：未报送1个，未通过1个"
    assert "南华县（缺附件3、附表）" in notice.body
    assert "禄丰市（附件3第1版2个问题；附表第1版2个问题）" in notice.body
    assert "绿色钛产业招商组（附件3、附件5迟报）" in notice.body
    assert "已受理17个" in notice.body


def test_held_mail_is_listed_for_a_person_to_check(settings: Settings) -> None:
    held = [
        {
            "display_from": '"lfs@zs.chuxiong.example" <x@evil.example>',
            "sender": "x@evil.example",
            "subject": "报表",
            "reasons": ["发件人地址x@evil.example未登记为任何报送单位"],
        }
    ]
    notice = compose_office_status(
        settings, "2023-05", _status(settings, {}), _required(settings), held
    )
    assert "已隔离的邮件" in notice.body
    assert "x@evil.example未登记" in notice.body


def test_the_same_situation_gives_the_same_key_and_a_change_a_new_one(settings: Settings) -> None:
    required = _required(settings)
    one = compose_office_status(settings, "2023-05", _status(settings, {}), required, [])
    two = compose_office_status(settings, "2023-05", _status(settings, {}), required, [])
    changed = compose_office_status(
        settings, "2023-05", _status(settings, {"禄丰市": "missing"}), required, []
    )
    assert one.key == two.key
    assert one.key != changed.key
