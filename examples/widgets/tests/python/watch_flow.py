"""The official Python client against widgets-server: CRUD through CustomObjectsApi and a
watch that sees a create, an update and a delete, in order. Usage: watch_flow.py URL"""

import sys
import threading
import time

from kubernetes import client, watch
from kubernetes.client.rest import ApiException

GROUP, VERSION, PLURAL, NS = "demo.krest.dev", "v1", "widgets", "default"


def widget(name, replicas):
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"color": "blue", "replicas": replicas},
    }


def main(url):
    config = client.Configuration()
    config.host = url
    api = client.CustomObjectsApi(client.ApiClient(config))

    api.create_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, widget("a", 1))
    try:
        api.create_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, widget("a", 1))
        raise AssertionError("a second create must fail")
    except ApiException as e:
        assert e.status == 409, e.status
    listed = api.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)
    assert [i["metadata"]["name"] for i in listed["items"]] == ["a"], listed
    rv = listed["metadata"]["resourceVersion"]

    events = []

    def watcher():
        w = watch.Watch()
        for event in w.stream(
            api.list_namespaced_custom_object,
            GROUP, VERSION, NS, PLURAL,
            resource_version=rv,
            timeout_seconds=10,
        ):
            events.append((event["type"], event["object"]["metadata"]["name"]))
            if len(events) == 3:
                w.stop()

    thread = threading.Thread(target=watcher)
    thread.start()
    time.sleep(1)
    api.create_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, widget("b", 1))
    patched = api.patch_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, "b", {"spec": {"replicas": 3}}
    )
    assert patched["spec"]["replicas"] == 3, patched
    api.delete_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "b")
    thread.join(15)
    assert events == [("ADDED", "b"), ("MODIFIED", "b"), ("DELETED", "b")], events
    got = api.get_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "a")
    assert got["spec"]["color"] == "blue"

    # A write to another kind, then a watch without a resourceVersion (from the current state):
    # it starts with the existing Widget instead of a 504 from the server.
    client.CoreV1Api(client.ApiClient(config)).create_namespace(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}
    )
    started = time.monotonic()
    w = watch.Watch()
    initial = []
    for event in w.stream(
        api.list_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, timeout_seconds=5
    ):
        initial.append((event["type"], event["object"]["metadata"]["name"]))
        w.stop()
    assert initial == [("ADDED", "a")], initial
    assert time.monotonic() - started < 3, "the watch waited for the server"
    print("python client ok")


if __name__ == "__main__":
    main(sys.argv[1])
