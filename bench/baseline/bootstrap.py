"""A minimal Lambda runtime loop for the Python comparator: poll the Runtime API for an
event, call the handler, post its answer, as Lambda's Python runtime does. (awslambdaric
4.2.2 crashed under this machine's harness.) It is lighter than the real runtime client, so
the comparison it gives is, if anything, kind to Python.
"""
import importlib
import json
import os
import traceback
import urllib.request

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime"


def post(path, body):
    request = urllib.request.Request(f"{API}{path}", data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(request).read()


def main():
    module_name, function_name = os.environ.get("_HANDLER", "handler.handler").rsplit(".", 1)
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as e:  # an init error, as Lambda reports it
        post("/init/error", {"errorMessage": str(e), "errorType": type(e).__name__})
        raise
    while True:
        with urllib.request.urlopen(f"{API}/invocation/next") as response:
            request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(response.read())
        try:
            result = handler(event, None)
            post(f"/invocation/{request_id}/response", result)
        except Exception as e:
            post(f"/invocation/{request_id}/error", {"errorMessage": str(e), "errorType": type(e).__name__,
                                                     "stackTrace": traceback.format_exc().splitlines()})


if __name__ == "__main__":
    main()
