"""The serverless front: Discord's HTTP interactions endpoint (FastAPI on Lambda through Mangum).

:mod:`interactions.core` verifies and answers plain bytes (no web framework inside);
:mod:`interactions.app` is the thin FastAPI wrapper; :mod:`interactions.lambda_handler` wraps the app
for AWS Lambda. This package never imports :mod:`audio_fleet`; both share :mod:`encore`.
"""
