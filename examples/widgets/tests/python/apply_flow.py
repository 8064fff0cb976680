"""The official Python client's server-side apply against widgets-server: a PATCH with the
apply content type through CustomObjectsApi, a no-op re-apply, a conflict and force.
Usage: apply_flow.py URL"""

import sys

from kubernetes import client
from kubernetes.client.rest import ApiException

GROUP, VERSION, PLURAL, NS = "demo.krest.dev", "v1", "widgets", "default"
APPLY = "application/apply-patch+yaml"


def widget(color):
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Widget",
        "metadata": {"name": "py"},
        "spec": {"color": color, "replicas": 1},
    }


def apply(api, body, manager, force=None):
    kwargs = {"field_manager": manager, "_content_type": APPLY}
    if force is not None:
        kwargs["force"] = force
    return api.patch_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "py", body, **kwargs)


def main(url):
    config = client.Configuration()
    config.host = url
    api = client.CustomObjectsApi(client.ApiClient(config))

    # The apply creates the object (201, as kube-apiserver answers); this client maps only a
    # 200 to a body, so read it back when it gives none.
    created = apply(api, widget("red"), "py-controller") or \
        api.get_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "py")
    assert created["spec"]["color"] == "red", created
    managed = created["metadata"]["managedFields"]
    assert [(m["manager"], m["operation"]) for m in managed] == [("py-controller", "Apply")], managed

    again = apply(api, widget("red"), "py-controller")
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"], again

    try:
        apply(api, widget("blue"), "py-other")
        raise AssertionError("a conflicting apply must fail")
    except ApiException as e:
        assert e.status == 409, e.status
        assert 'conflict with \\"py-controller\\": .spec.color' in e.body or \
            'conflict with "py-controller": .spec.color' in e.body, e.body

    forced = apply(api, widget("blue"), "py-other", force=True)
    assert forced["spec"]["color"] == "blue", forced
    owners = sorted(m["manager"] for m in forced["metadata"]["managedFields"])
    assert owners == ["py-controller", "py-other"], owners
    print("python apply ok")


if __name__ == "__main__":
    main(sys.argv[1])
