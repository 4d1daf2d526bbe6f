"""The REST billing API under ``/api/v1`` and Discord's webhook events, on the front's FastAPI app.

:func:`mount_api` adds them to the app :func:`interactions.app.create_app` builds: the routes
(:mod:`.routes`), problem+json errors (:mod:`.problems`), the body size limit and the API metrics
(:mod:`.middleware`), and ``POST /discord/webhook-events`` (:mod:`interactions.webhook_events`).
:mod:`.wiring` builds what they need from the settings; the billing service itself is built on the
first request that needs it (:class:`.ports.LazyBilling`).
"""
