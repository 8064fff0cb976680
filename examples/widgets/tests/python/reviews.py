"""The official Python client creating the review kinds against widgets-server, as a
delegating proxy does: TokenReview, SubjectAccessReview and LocalSubjectAccessReview as a
service account bound to system:auth-delegator, SelfSubjectRulesReview and SelfSubjectReview
as the user. Usage: reviews.py URL"""

import sys

from kubernetes import client
from kubernetes.client.rest import ApiException


def api_client(url, token):
    config = client.Configuration()
    config.host = url
    config.api_key = {"authorization": f"Bearer {token}"}
    return client.ApiClient(config)


def main(url):
    proxy = api_client(url, "proxy-token")
    authn = client.AuthenticationV1Api(proxy)
    authz = client.AuthorizationV1Api(proxy)

    review = authn.create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token="jane-token"))
    )
    assert review.status.authenticated is True, review.status
    assert review.status.user.username == "jane", review.status
    assert review.status.user.groups == ["dev", "system:authenticated"], review.status
    review = authn.create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token="forged"))
    )
    assert not review.status.authenticated, review.status
    assert review.status.error == "invalid bearer token", review.status

    def attributes(verb, namespace="default"):
        return client.V1ResourceAttributes(
            namespace=namespace, verb=verb, group="demo.krest.dev", resource="widgets"
        )

    def access(verb):
        spec = client.V1SubjectAccessReviewSpec(
            user="jane", groups=["dev"], resource_attributes=attributes(verb)
        )
        return authz.create_subject_access_review(client.V1SubjectAccessReview(spec=spec))

    assert access("list").status.allowed is True
    denied = access("delete").status
    assert denied.allowed is False, denied

    local = authz.create_namespaced_local_subject_access_review(
        "default",
        client.V1LocalSubjectAccessReview(
            spec=client.V1SubjectAccessReviewSpec(
                user="jane", groups=["dev"], resource_attributes=attributes("get")
            )
        ),
    )
    assert local.status.allowed is True, local.status
    assert local.metadata.namespace == "default", local.metadata
    try:
        authz.create_namespaced_local_subject_access_review(
            "default",
            client.V1LocalSubjectAccessReview(
                spec=client.V1SubjectAccessReviewSpec(
                    user="jane", resource_attributes=attributes("get", "other")
                )
            ),
        )
        raise AssertionError("a namespace that is not the path's must be refused")
    except ApiException as e:
        assert e.status == 422, e.status

    jane = api_client(url, "jane-token")
    rules = client.AuthorizationV1Api(jane).create_self_subject_rules_review(
        client.V1SelfSubjectRulesReview(
            spec=client.V1SelfSubjectRulesReviewSpec(namespace="default")
        )
    )
    assert any(
        r.resources == ["widgets"] and r.verbs == ["get", "list"]
        for r in rules.status.resource_rules
    ), rules.status
    me = client.AuthenticationV1Api(jane).create_self_subject_review(
        client.V1SelfSubjectReview()
    )
    assert me.status.user_info.username == "jane", me.status
    try:
        client.AuthenticationV1Api(jane).create_token_review(
            client.V1TokenReview(spec=client.V1TokenReviewSpec(token="proxy-token"))
        )
        raise AssertionError("jane is no delegator")
    except ApiException as e:
        assert e.status == 403, e.status
    print("python reviews ok")


if __name__ == "__main__":
    main(sys.argv[1])
