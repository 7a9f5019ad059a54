"""People's personal data (个人信息): the audited reads that show a worker's, volunteer's or intern's ID number
and phone in full, erasure on request, and the read audit (查阅审计) with the check of its hash chain. A read or
an erasure states who (X-User) and why (X-Purpose); both are recorded before anything is opened or destroyed.
The audit's routes are pzh_shared.personal_api's, as casework's are."""

from datetime import date
from typing import Annotated
from urllib.parse import unquote
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path
from pydantic import BaseModel, Field
from pzh_shared.personal_api import read_audit_router

from talent.api.dependencies import Talent, application
from talent.api.schemas import Today, _Body
from talent.domain.errors import TalentError

router = APIRouter()
audit_router = read_audit_router(application, "personal_data_read（查阅身份证号码和电话）、erasure（删除个人信息）")

# HTTP header values are Latin-1: a purpose in Chinese is sent percent-encoded UTF-8 (quote("核对身份")).
_UserHeader = Annotated[str, Header(alias="X-User", min_length=1, max_length=300)]
_PurposeHeader = Annotated[str, Header(alias="X-Purpose", min_length=1, max_length=900)]


def _user(x_user: _UserHeader) -> str:
    return unquote(x_user).strip() or _missing("X-User")


def _purpose(x_purpose: _PurposeHeader) -> str:
    return unquote(x_purpose).strip() or _missing("X-Purpose")


def _missing(header: str) -> str:
    raise TalentError(f"请求头 {header} 不能为空：查阅或删除个人信息须写明操作人与目的")


User = Annotated[str, Depends(_user)]
Purpose = Annotated[str, Depends(_purpose)]


class Erase(_Body):
    on: date = Today


class Erased(BaseModel):
    person_id: str
    kind: str
    erased_on: date
    audit_seq: int


class PersonalData(BaseModel):
    """An audited read: the identity in clear (an intern has no ID number), or the erased markers."""

    person_id: str
    kind: str
    erased: bool
    erased_on: date | None
    identity: dict[str, str] = Field(description="name、id_number（实习生无）、phone")
    audit_seq: int


def _routes(kind: str, collection: str) -> None:
    # the path names the person as the collection's other routes do ({worker_id}, ...), as the gateway's table;
    # the annotations are evaluated here (no postponed annotations in this module), so the alias is this kind's
    PersonId = Annotated[UUID, Path(alias=f"{kind}_id")]

    @router.get(f"/{collection}/{{{kind}_id}}/personal-data", response_model=PersonalData, name=f"{kind}_personal_data")
    def read(person_id: PersonId, talent: Talent, user: User, purpose: Purpose) -> PersonalData:
        return PersonalData.model_validate(talent.read_personal_data(kind, person_id, user, purpose))

    @router.post(f"/{collection}/{{{kind}_id}}/erasure", response_model=Erased, name=f"erase_{kind}")
    def erase(person_id: PersonId, body: Erase, talent: Talent, user: User, purpose: Purpose) -> Erased:
        record = talent.erase_person(kind, person_id, body.on, user, purpose)
        return Erased(person_id=str(person_id), kind=kind, erased_on=body.on, audit_seq=record.seq)


for _kind, _collection in (("worker", "workers"), ("volunteer", "volunteers"), ("intern", "interns")):
    _routes(_kind, _collection)
