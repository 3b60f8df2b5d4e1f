"""JSON API of check-in: organisers (and gate staff) set up lists and pair devices; a paired device
syncs its offline package and sends scans (``docs/checkin.md``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.settings import Settings
from festival.web.http import site_url
from festival.web.language import language_asked
from ticketing import checkin, checkin_lists, checkin_stats, checkin_sync, devices
from ticketing import checkin_schemas as s
from ticketing.checkin import ScanRequest, ScanResult
from ticketing.devices import GateDevice, ScanLimiter

ORGANISER = {"access": "edition:organiser"}
CHECKIN_STAFF = {"access": "edition:checkin"}
DEVICE = {"access": "device"}


async def device_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The caller is a paired, unrevoked gate device (``Authorization: Bearer fdt_…``)."""
    connection.scope["device"] = await devices.authenticate(connection.headers.get("authorization"))  # type: ignore[typeddict-unknown-key]  # our own scope key


async def provide_device(request: Request[Any, Any, Any]) -> GateDevice:
    device: GateDevice = request.scope["device"]  # type: ignore[typeddict-item]  # set by device_token
    return device


def scan_limiter(request: Request[Any, Any, Any]) -> ScanLimiter:
    """The app's per-device rate limit. Not a dependency: two dependencies of one handler are
    resolved in a task group, two tasks a request on the busiest route."""
    limiter: ScanLimiter = request.app.state.scan_limiter
    return limiter


def _out(result: ScanResult) -> s.ScanOut:
    return s.ScanOut(
        result=result.result,
        ok=result.ok,
        reason=result.reason,
        ticket=result.ticket,
        ticket_type=result.type_name,
        admitted_at=result.admitted_at,
        admitted_gate=result.admitted_gate,
        scan=result.scan,
        conflict=result.conflict,
    )


def _request(data: s.ScanIn | s.OfflineScanIn, lang: str, offline: bool, local_result: str = "") -> ScanRequest:
    return ScanRequest(
        payload=data.payload,
        list_id=data.list,
        nonce=data.nonce,
        scanned_at=data.scanned_at.astimezone(dt.UTC),
        direction=data.direction,
        gate=data.gate.strip(),
        offline=offline,
        local_result=local_result,
        lang=lang,
    )


class CheckinListController(Controller):
    path = "/api/v1/editions/{edition:str}/checkin-lists"
    tags = ["Check-in"]

    @post("/", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, summary="Add a check-in list")
    async def create(
        self, edition: FromPath[str], data: JSONBody[s.CheckinListIn], actor: NamedDependency[Principal]
    ) -> s.CheckinListOut:
        await checkin_lists.save_list(actor, edition, data)
        return next(x for x in await checkin_lists.lists_of(edition, actor) if x.slug == data.slug)

    @put("/{slug:str}", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, summary="Change a check-in list")
    async def replace(
        self,
        edition: FromPath[str],
        slug: FromPath[str],
        data: JSONBody[s.CheckinListIn],
        actor: NamedDependency[Principal],
    ) -> s.CheckinListOut:
        await checkin_lists.save_list(actor, edition, data, replace=slug)
        return next(x for x in await checkin_lists.lists_of(edition, actor) if x.slug == data.slug)

    @get("/", guards=[guards.edition_role(Role.ORGANISER, Role.GATE)], opt=CHECKIN_STAFF, summary="Check-in lists")
    async def lists(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[s.CheckinListOut]:
        return await checkin_lists.lists_of(edition, actor)


class DeviceController(Controller):
    path = "/api/v1/editions/{edition:str}/devices"
    tags = ["Check-in"]
    guards = [guards.edition_role(Role.ORGANISER, Role.GATE)]

    @post("/", opt=CHECKIN_STAFF, summary="Pair a gate device (its token is shown once)")
    async def pair(
        self,
        edition: FromPath[str],
        data: JSONBody[s.DeviceIn],
        actor: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> s.PairedDeviceOut:
        device_id, token = await devices.pair(actor, edition, data)
        return s.PairedDeviceOut(device_id, data.name, token, f"{site_url(request, settings)}/scan#pair={token}")

    @get("/", opt=CHECKIN_STAFF, summary="The edition's gate devices")
    async def list_devices(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[s.DeviceOut]:
        return await devices.devices_of(edition, actor)

    @post("/{device_id:int}/revoke", opt=CHECKIN_STAFF, status_code=204, summary="Revoke a gate device")
    async def revoke(self, edition: FromPath[str], device_id: FromPath[int], actor: NamedDependency[Principal]) -> None:
        await devices.revoke(actor, edition, device_id)


class CheckinStatsController(Controller):
    path = "/api/v1/editions/{edition:str}/checkin"
    tags = ["Check-in"]

    @get(
        "/stats",
        guards=[guards.edition_role(Role.ORGANISER)],
        opt=ORGANISER,
        summary="The check-in dashboard's numbers",
        cache_control=CacheControlHeader(no_store=True),
    )
    async def stats(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> checkin_stats.CheckinStats:
        """Admitted against capacity per list and gate, scans per minute (last 30), refusals by
        result, offline scans and conflicts, devices with their last scan."""
        return await checkin_stats.checkin_stats(actor, edition)


class ScanController(Controller):
    path = "/api/v1/scan"
    tags = ["Check-in"]
    guards = [device_token]
    request_max_body_size = s.MAX_SCAN_BODY_BYTES
    dependencies = {"device": Provide(provide_device)}

    @get("/sync", opt=DEVICE, summary="The device's offline package")
    async def sync(
        self, device: NamedDependency[GateDevice], request: Request[Any, Any, Any]
    ) -> checkin_sync.SyncPackage:
        """Names in the language the request asks for (Accept-Language), else the edition's first. The
        heaviest call of a device: it counts as a sixtieth of the device's rate limit a minute (ten
        scans at the default 600), so a device may sync once a second at most."""
        limiter = scan_limiter(request)
        await limiter.count(device.id, max(1, limiter.per_minute // 60))
        return await checkin_sync.package(device, language_asked(request))

    @post("/", opt=DEVICE, status_code=200, summary="Decide a scan (every result is a 200)")
    async def scan(
        self, data: JSONBody[s.ScanIn], device: NamedDependency[GateDevice], request: Request[Any, Any, Any]
    ) -> s.ScanOut:
        await scan_limiter(request).count(device.id)
        return _out(await checkin.scan(device, _request(data, language_asked(request), offline=False)))

    @post("/batch", opt=DEVICE, status_code=200, summary="Upload scans decided offline")
    async def batch(
        self, data: JSONBody[s.ScanBatchIn], device: NamedDependency[GateDevice], request: Request[Any, Any, Any]
    ) -> s.ScanBatchOut:
        """Every scan here is taken as made offline. A tenth of them counts against the device's rate
        limit: a device back online uploads what it queued in one go, but cannot flood the server."""
        await scan_limiter(request).count(device.id, max(1, -(-len(data.scans) // 10)))
        lang = language_asked(request)
        requests = [_request(x, lang, offline=True, local_result=x.local_result) for x in data.scans]
        return s.ScanBatchOut([_out(r) for r in await checkin.scan_batch(device, requests)])


CONTROLLERS = [CheckinListController, DeviceController, CheckinStatsController, ScanController]
