"""The application factory: the only place (with the CLI) that knows every part."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import swagger_ui_bundle
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, asgi
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from piccolo.engine.base import Engine

from festival import database, i18n
from festival.admin import admin_app
from festival.auth import controllers as auth_controllers
from festival.auth.guards import principal_of
from festival.auth.middleware import FestivalAuthenticationMiddleware
from festival.auth.roles import Role
from festival.auth.throttle import create_throttle
from festival.editions import controllers as edition_controllers
from festival.health import HealthController
from festival.jobs import JobQueue, create_queue
from festival.logistics import controllers as logistics_controllers
from festival.logistics import itinerary_web as logistics_itinerary
from festival.logistics import my_page as logistics_my_page
from festival.logistics import page as logistics_page
from festival.logistics import privacy_controllers as logistics_privacy
from festival.logistics import rider_controllers
from festival.people import controllers as people_controllers
from festival.settings import Settings, load_settings
from festival.web import deps
from festival.web.csrf import FestivalCSRFMiddleware, csrf_config
from festival.web.errors import handle_exception
from festival.web.language import LanguageMiddleware
from festival.web.pages import PageController
from festival.web.security import STRIPE_CHECKOUT, SecurityMiddleware, csp_for
from schedule import controllers as schedule_controllers
from schedule import feed_controllers as schedule_feeds
from schedule import manage as schedule_manage
from schedule import pages as schedule_pages
from ticketing import checkin_controllers as ticketing_checkin
from ticketing import checkin_page as ticketing_checkin_page
from ticketing import controllers as ticketing_controllers
from ticketing import order_page as ticketing_order_page
from ticketing import pages as ticketing_pages
from ticketing import scan_page as ticketing_scan_page
from ticketing.devices import create_scan_limiter

WEB_DIR = Path(__file__).resolve().parent / "web"
VERSION = "0.1.0"
log = logging.getLogger("festival")


def _jinja_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(WEB_DIR / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    env.globals.update(
        current_lang=i18n.current_language.get,
        language_names=i18n.LANGUAGE_NAMES,
        localize=i18n.localize,
        principal_of=principal_of,
        Role=Role,
        format_date=lambda day: format_date(day, format="medium", locale=_babel_locale()),
    )
    return env


def _babel_locale() -> str:
    return i18n.babel_locale(i18n.current_language.get())


def _payment_pages(settings: Settings) -> tuple[str, ...]:
    """Where the shop's form may send the browser: Stripe's payment page (or a local fake's)."""
    if not settings.stripe_enabled:
        return ()
    if settings.stripe_api_base:
        parts = urlsplit(settings.stripe_api_base)
        return (f"{parts.scheme}://{parts.netloc}",)
    return (STRIPE_CHECKOUT,)


def _freeze_startup_objects() -> None:
    """Move what start-up built (modules, routes, templates) out of the garbage collector's sight.

    Without it every full collection scans ~150 000 long-lived objects: a 200 ms pause in some
    request now and then (docs/benchmarks.md). Once per process.
    """
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


def create_app(
    settings: Settings | None = None, jobs: JobQueue | None = None, engine: Engine[Any] | None = None
) -> Litestar:
    """Build the app. ``jobs`` and ``engine`` override what the settings choose (tests pass an open engine)."""
    settings = settings or load_settings()
    own_engine = engine is None
    db_engine = engine or database.build_engine(settings.database)
    database.use_engine(db_engine)
    queue = jobs or create_queue(settings)
    throttle = create_throttle(settings.redis_url, settings.login_attempts_per_minute)
    scan_limiter = create_scan_limiter(settings.redis_url, settings.scans_per_device_per_minute)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if own_engine:
                await stack.enter_async_context(database.connected(db_engine, settings.database))
            await queue.start()
            stack.push_async_callback(queue.close)
            stack.push_async_callback(throttle.close)
            stack.push_async_callback(scan_limiter.close)
            _freeze_startup_objects()
            yield

    admin = asgi("/admin", is_mount=True, copy_scope=True, opt={"access": "admin"})(
        admin_app(settings.secure_cookies, settings.session_ttl_s, settings.login_attempts_per_minute)
    )
    return Litestar(
        route_handlers=[
            PageController,
            HealthController,
            *auth_controllers.CONTROLLERS,
            *edition_controllers.CONTROLLERS,
            *people_controllers.CONTROLLERS,
            *logistics_controllers.CONTROLLERS,
            *logistics_page.CONTROLLERS,
            *logistics_privacy.CONTROLLERS,
            *logistics_my_page.CONTROLLERS,
            *rider_controllers.CONTROLLERS,
            *logistics_itinerary.CONTROLLERS,
            *schedule_controllers.CONTROLLERS,
            *schedule_manage.CONTROLLERS,
            *schedule_pages.CONTROLLERS,
            *schedule_feeds.CONTROLLERS,
            *ticketing_controllers.CONTROLLERS,
            *ticketing_checkin.CONTROLLERS,
            *ticketing_checkin_page.CONTROLLERS,
            *ticketing_pages.CONTROLLERS,
            *ticketing_order_page.CONTROLLERS,
            *ticketing_scan_page.CONTROLLERS,
            create_static_files_router(
                path="/static", directories=[WEB_DIR / "static"], opt={"access": "public"}, include_in_schema=False
            ),
            create_static_files_router(
                path="/static/swagger",
                directories=[Path(swagger_ui_bundle.swagger_ui_path)],
                opt={"access": "public"},
                include_in_schema=False,
            ),
            admin,
        ],
        dependencies={
            "principal": Provide(deps.provide_principal),
            "actor": Provide(deps.provide_actor),
            "lang": Provide(deps.provide_lang),
            "settings": Provide(deps.provide_settings),
            "jobs": Provide(deps.provide_jobs),
            "throttle": Provide(deps.provide_throttle),
        },
        middleware=[
            DefineMiddleware(SecurityMiddleware, csp=csp_for(_payment_pages(settings))),
            LanguageMiddleware,
            DefineMiddleware(FestivalCSRFMiddleware, config=csrf_config(settings.secret_key, settings.secure_cookies)),
            DefineMiddleware(FestivalAuthenticationMiddleware, exclude=["^/static/", "^/admin(/|$)"]),
        ],
        exception_handlers={Exception: handle_exception},
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(_jinja_environment())),
        openapi_config=OpenAPIConfig(
            title="Festival API",
            version=VERSION,
            description="Series, editions, venues, partners and accounts of the festival system.",
            path="/schema",
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", description="Authorization: Bearer fst_…"),
                    "session": SecurityScheme(
                        type="apiKey",
                        security_scheme_in="cookie",
                        name="id",
                        description="the sign-in cookie; writes also need the x-csrftoken header",
                    ),
                }
            ),
            # Optional everywhere ({}): public reads also honour credentials (drafts for their staff).
            security=[{"bearer": []}, {"session": []}, {}],
            render_plugins=[
                SwaggerRenderPlugin(
                    js_url="/static/swagger/swagger-ui-bundle.js",
                    css_url="/static/swagger/swagger-ui.css",
                    standalone_preset_js_url="/static/swagger/swagger-ui-standalone-preset.js",
                    favicon="<link rel='icon' type='image/svg+xml' href='/static/favicon.svg'>",
                )
            ],
        ),
        # Routes with opt["skip_compression"] send bytes they compressed once (calendar feeds).
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, exclude_opt_key="skip_compression"),
        state=State({"settings": settings, "jobs": queue, "throttle": throttle, "scan_limiter": scan_limiter}),
        lifespan=[lifespan],
        debug=False,
    )
