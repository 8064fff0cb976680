"""The official Python client and what controllers rely on: a Lease with optimistic concurrency,
Events through both APIs with a field selector, a foreground cascade through DeleteOptions, and
a namespace that terminates. Usage: controllers_flow.py URL"""

import datetime
import sys
import time

from kubernetes import client
from kubernetes.client.rest import ApiException

GROUP, VERSION, PLURAL, NS = "demo.krest.dev", "v1", "widgets", "default"


def eventually(what, check, within=10.0):
    deadline = time.time() + within
    while not check():
        if time.time() > deadline:
            raise AssertionError(what)
        time.sleep(0.05)


def gone(call):
    try:
        call()
        return False
    except ApiException as e:
        if e.status == 404:
            return True
        raise


def main(url):
    config = client.Configuration()
    config.host = url
    api_client = client.ApiClient(config)
    leases = client.CoordinationV1Api(api_client)
    core = client.CoreV1Api(api_client)
    events = client.EventsV1Api(api_client)
    custom = client.CustomObjectsApi(api_client)
    now = datetime.datetime.now(datetime.timezone.utc)

    # Lease: create, take over with the version read, a stale write is a 409.
    lease = client.V1Lease(
        metadata=client.V1ObjectMeta(name="python-controller"),
        spec=client.V1LeaseSpec(holder_identity="a", lease_duration_seconds=15, renew_time=now),
    )
    made = leases.create_namespaced_lease(NS, lease)
    made.spec.holder_identity = "b"
    leases.replace_namespaced_lease("python-controller", NS, made)
    made.spec.holder_identity = "c"
    try:
        leases.replace_namespaced_lease("python-controller", NS, made)
        raise AssertionError("a stale replace must fail")
    except ApiException as e:
        assert e.status == 409, e.status
    read = leases.read_namespaced_lease("python-controller", NS)
    assert read.spec.holder_identity == "b", read.spec
    assert read.spec.renew_time is not None

    # Events: written through the core API, read through both, selected by involved object.
    for name, obj in [("w1.1", "w1"), ("w2.1", "w2")]:
        core.create_namespaced_event(
            NS,
            client.CoreV1Event(
                metadata=client.V1ObjectMeta(name=name),
                involved_object=client.V1ObjectReference(kind="Widget", name=obj, namespace=NS),
                reason="Scaled",
                message=f"{obj} scaled",
                type="Normal",
                first_timestamp=now,
                last_timestamp=now,
                count=1,
                # The Python client's events.k8s.io model requires eventTime.
                event_time=now,
                action="Scale",
                reporting_component="widgets-controller",
                reporting_instance="widgets-controller-0",
            ),
        )
    selected = core.list_namespaced_event(NS, field_selector="involvedObject.name=w2")
    assert [e.metadata.name for e in selected.items] == ["w2.1"], selected.items
    new = events.list_namespaced_event(NS, field_selector="regarding.name=w1")
    assert [e.note for e in new.items] == ["w1 scaled"], new.items

    # A foreground cascade through DeleteOptions.
    owner = custom.create_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL,
        {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Widget", "metadata": {"name": "owner"},
         "spec": {"color": "red", "replicas": 1}},
    )
    for i in range(3):
        custom.create_namespaced_custom_object(
            GROUP, VERSION, NS, PLURAL,
            {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Widget",
             "metadata": {"name": f"child-{i}", "ownerReferences": [{
                 "apiVersion": f"{GROUP}/{VERSION}", "kind": "Widget", "name": "owner",
                 "uid": owner["metadata"]["uid"], "blockOwnerDeletion": True}]},
             "spec": {"color": "red", "replicas": 1}},
        )
    marked = custom.delete_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, "owner",
        body=client.V1DeleteOptions(propagation_policy="Foreground"),
    )
    assert marked["metadata"]["finalizers"] == ["foregroundDeletion"], marked
    eventually("the owner goes after its dependents",
               lambda: gone(lambda: custom.get_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "owner")))
    left = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)["items"]
    assert left == [], left

    # A namespace terminates: Terminating, then gone.
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="py-team")))
    created = core.read_namespace("py-team")
    assert created.spec.finalizers == ["kubernetes"], created.spec
    # The client types the answer as a Status; it is the terminating Namespace.
    deleting = core.delete_namespace("py-team")
    assert deleting["status"]["phase"] == "Terminating", deleting
    eventually("the namespace goes", lambda: gone(lambda: core.read_namespace("py-team")))
    print("python controllers ok")


if __name__ == "__main__":
    main(sys.argv[1])
