"""The console's page modules, in the order their routes are added (a fixed path such as
/console/stations/new before /console/stations/{id}). A new group of pages is a PageModule in its own
file under console/, listed here once, with its menu entries in console/menu.py."""

from __future__ import annotations

from gateway.console.accounts import AccountPages
from gateway.console.areas import AreaPages
from gateway.console.casework import CaseworkPages
from gateway.console.dossier import DossierPages
from gateway.console.exports import ExportPages
from gateway.console.funding import FundingPages
from gateway.console.money import MoneyPages
from gateway.console.network import NetworkPages
from gateway.console.oversight import OversightPages
from gateway.console.reports import ReportPages
from gateway.console.rules import RulesPages
from gateway.console.session import PageModule
from gateway.console.stations import StationPages
from gateway.console.talent import TalentPages

PAGE_MODULES: tuple[type[PageModule], ...] = (
    StationPages,
    AreaPages,
    ReportPages,
    DossierPages,
    RulesPages,
    OversightPages,
    AccountPages,
    TalentPages,
    FundingPages,
    MoneyPages,
    CaseworkPages,
    ExportPages,
    NetworkPages,
)
