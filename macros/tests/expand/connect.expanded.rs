/// The `Pod` resource (`v1`), with its spec in [`PodSpec`].
#[derive(::core::clone::Clone, ::core::fmt::Debug)]
pub struct Pod {
    /// Standard object metadata.
    pub metadata: ::krest::ObjectMeta,
    /// The desired state of the object.
    pub spec: PodSpec,
    /// The observed state of the object.
    pub status: ::core::option::Option<PodStatus>,
}
const _: () = {
    fn __assert_data<T: ::krest::__private::Data>() {}
    const _: fn() = || {
        __assert_data::<PodSpec>();
        __assert_data::<PodStatus>();
    };
    #[automatically_derived]
    impl ::krest::Resource for Pod {
        type Spec = PodSpec;
        type Status = PodStatus;
        const MODEL: ::krest::__private::codegen::ResourceModel = ::krest::__private::codegen::ResourceModel {
            group: ::krest::__private::codegen::Str::Borrowed(""),
            version: ::krest::__private::codegen::Str::Borrowed("v1"),
            kind: ::krest::__private::codegen::Str::Borrowed("Pod"),
            plural: ::krest::__private::codegen::Str::Borrowed("pods"),
            singular: ::krest::__private::codegen::Str::Borrowed("pod"),
            short_names: ::krest::__private::codegen::List::Borrowed(&[]),
            categories: ::krest::__private::codegen::List::Borrowed(&[]),
            scope: ::krest::__private::codegen::Scope::Namespaced,
            verbs: ::krest::__private::codegen::VerbSet::from_bits(255u16),
            status: true,
            scale: ::core::option::Option::None,
            connect: ::krest::__private::codegen::List::Borrowed(
                &[
                    ::krest::__private::codegen::ConnectSubresource {
                        name: ::krest::__private::codegen::Str::Borrowed("exec"),
                        methods: ::krest::__private::codegen::List::Borrowed(
                            &[
                                ::krest::__private::codegen::Method::Get,
                                ::krest::__private::codegen::Method::Post,
                            ],
                        ),
                        subpath: true,
                    },
                    ::krest::__private::codegen::ConnectSubresource {
                        name: ::krest::__private::codegen::Str::Borrowed("log"),
                        methods: ::krest::__private::codegen::List::Borrowed(
                            &[::krest::__private::codegen::Method::Get],
                        ),
                        subpath: false,
                    },
                ],
            ),
            printer_columns: ::krest::__private::codegen::List::Borrowed(&[]),
            selectable_fields: ::krest::__private::codegen::List::Borrowed(&[]),
            deprecated: false,
            deprecation_warning: ::core::option::Option::None,
            storage_version: ::core::option::Option::None,
            conversion: ::core::option::Option::None,
            stored_conversions: ::krest::__private::codegen::List::Borrowed(&[]),
        };
        const ROUTES: &'static [::krest::__private::Route] = &[
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::List,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::List,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "listNamespacedPod",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listCoreV1NamespacedPod",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Post,
                    method: ::krest::__private::codegen::Method::Post,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Create,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "createNamespacedPod",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "createCoreV1NamespacedPod",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(14337u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::DeleteCollection,
                    method: ::krest::__private::codegen::Method::Delete,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::DeleteCollection,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "deletecollectionNamespacedPod",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteCoreV1CollectionNamespacedPod",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(495591u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::WatchList,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/watch/namespaces/{namespace}/pods",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Watch,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "watchNamespacedPodList",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchCoreV1NamespacedPodList",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Get,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Get,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "readNamespacedPod",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "readCoreV1NamespacedPod",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(1u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Put,
                    method: ::krest::__private::codegen::Method::Put,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Update,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "replaceNamespacedPod",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "replaceCoreV1NamespacedPod",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(14337u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Patch,
                    method: ::krest::__private::codegen::Method::Patch,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Patch,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "patchNamespacedPod",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "patchCoreV1NamespacedPod",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(30721u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Delete,
                    method: ::krest::__private::codegen::Method::Delete,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Delete,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "deleteNamespacedPod",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteCoreV1NamespacedPod",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(493569u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Watch,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/watch/namespaces/{namespace}/pods/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Watch,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "watchNamespacedPod",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchCoreV1NamespacedPod",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::List,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed("/api/v1/pods"),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::List,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: true,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "listPodForAllNamespaces",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listCoreV1PodForAllNamespaces",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::WatchList,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/watch/pods",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Watch,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: true,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "watchPodListForAllNamespaces",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchCoreV1PodListForAllNamespaces",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Get,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}/status",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Get,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("status"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Status,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "readNamespacedPodStatus",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "readCoreV1NamespacedPodStatus",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(1u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Put,
                    method: ::krest::__private::codegen::Method::Put,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}/status",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Update,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("status"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Status,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "replaceNamespacedPodStatus",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "replaceCoreV1NamespacedPodStatus",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(14337u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Patch,
                    method: ::krest::__private::codegen::Method::Patch,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}/status",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Patch,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("status"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Status,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "patchNamespacedPodStatus",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "patchCoreV1NamespacedPodStatus",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(30721u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Connect,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}/exec",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Get,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("exec"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Connect(
                        0usize,
                    ),
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "connectGetNamespacedPodExec",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "connectCoreV1GetNamespacedPodExec",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(0u32),
                },
                connect: ::core::option::Option::Some(|call| ::krest::__private::handlers::connect(
                    call,
                    crate::exec::serve,
                )),
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Connect,
                    method: ::krest::__private::codegen::Method::Post,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}/exec",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Create,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("exec"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Connect(
                        0usize,
                    ),
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "connectPostNamespacedPodExec",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "connectCoreV1PostNamespacedPodExec",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(0u32),
                },
                connect: ::core::option::Option::Some(|call| ::krest::__private::handlers::connect(
                    call,
                    crate::exec::serve,
                )),
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Connect,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}/exec/{path:*}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Get,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("exec"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Connect(
                        0usize,
                    ),
                    namespaced: true,
                    all_namespaces: false,
                    subpath: true,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "connectGetNamespacedPodExecWithPath",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "connectCoreV1GetNamespacedPodExecWithPath",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(0u32),
                },
                connect: ::core::option::Option::Some(|call| ::krest::__private::handlers::connect(
                    call,
                    crate::exec::serve,
                )),
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Connect,
                    method: ::krest::__private::codegen::Method::Post,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}/exec/{path:*}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Create,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("exec"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Connect(
                        0usize,
                    ),
                    namespaced: true,
                    all_namespaces: false,
                    subpath: true,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "connectPostNamespacedPodExecWithPath",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "connectCoreV1PostNamespacedPodExecWithPath",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(0u32),
                },
                connect: ::core::option::Option::Some(|call| ::krest::__private::handlers::connect(
                    call,
                    crate::exec::serve,
                )),
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Connect,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/api/v1/namespaces/{namespace}/pods/{name}/log",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Get,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("log"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Connect(
                        1usize,
                    ),
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "connectGetNamespacedPodLog",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "connectCoreV1GetNamespacedPodLog",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(0u32),
                },
                connect: ::core::option::Option::Some(|call| ::krest::__private::handlers::connect(
                    call,
                    serve_log,
                )),
            },
        ];
        fn schema() -> ::krest::__private::serde_json::Value {
            ::krest::__private::object_schema(
                &<Self as ::krest::Resource>::MODEL,
                ::krest::__private::schema_for::<PodSpec>(),
                ::core::option::Option::Some(
                    ::krest::__private::schema_for::<PodStatus>(),
                ),
                ::std::vec![],
            )
        }
        fn metadata(&self) -> &::krest::ObjectMeta {
            &self.metadata
        }
        fn metadata_mut(&mut self) -> &mut ::krest::ObjectMeta {
            &mut self.metadata
        }
    }
    #[automatically_derived]
    impl Pod {
        /// A new object named `name` with `spec` and no status.
        pub fn new(name: &str, spec: PodSpec) -> Self {
            Pod {
                metadata: ::krest::ObjectMeta::named(name),
                spec,
                status: ::core::option::Option::None,
            }
        }
    }
    #[automatically_derived]
    impl ::krest::__private::serde::Serialize for Pod {
        fn serialize<__S>(
            &self,
            serializer: __S,
        ) -> ::core::result::Result<__S::Ok, __S::Error>
        where
            __S: ::krest::__private::serde::Serializer,
        {
            ::krest::__private::serialize_object::<
                Self,
                __S,
                _,
                _,
            >(
                serializer,
                &self.metadata,
                &self.spec,
                self.status.as_ref(),
                |_| ::core::result::Result::Ok(()),
            )
        }
    }
    #[automatically_derived]
    impl<'de> ::krest::__private::serde::Deserialize<'de> for Pod {
        fn deserialize<__D>(
            deserializer: __D,
        ) -> ::core::result::Result<Self, __D::Error>
        where
            __D: ::krest::__private::serde::Deserializer<'de>,
        {
            let repr = <::krest::__private::ObjectRepr<
                PodSpec,
                PodStatus,
            > as ::krest::__private::serde::Deserialize<
                'de,
            >>::deserialize(deserializer)?;
            ::core::result::Result::Ok(Pod {
                metadata: repr.metadata,
                spec: repr.spec,
                status: repr.status,
            })
        }
    }
};
