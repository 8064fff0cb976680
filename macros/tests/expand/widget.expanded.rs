/// The `Widget` resource (`demo.krest.dev/v1`), with its spec in [`WidgetSpec`].
#[derive(::core::clone::Clone, ::core::fmt::Debug)]
pub struct Widget {
    /// Standard object metadata.
    pub metadata: ::krest::ObjectMeta,
    /// The desired state of the object.
    pub spec: WidgetSpec,
    /// The observed state of the object.
    pub status: ::core::option::Option<WidgetStatus>,
}
const _: () = {
    fn __assert_data<T: ::krest::__private::Data>() {}
    const _: fn() = || {
        __assert_data::<WidgetSpec>();
        __assert_data::<WidgetStatus>();
    };
    #[automatically_derived]
    impl ::krest::Resource for Widget {
        type Spec = WidgetSpec;
        type Status = WidgetStatus;
        const MODEL: ::krest::__private::codegen::ResourceModel = ::krest::__private::codegen::ResourceModel {
            group: ::krest::__private::codegen::Str::Borrowed("demo.krest.dev"),
            version: ::krest::__private::codegen::Str::Borrowed("v1"),
            kind: ::krest::__private::codegen::Str::Borrowed("Widget"),
            plural: ::krest::__private::codegen::Str::Borrowed("widgets"),
            singular: ::krest::__private::codegen::Str::Borrowed("widget"),
            short_names: ::krest::__private::codegen::List::Borrowed(
                &[::krest::__private::codegen::Str::Borrowed("wd")],
            ),
            categories: ::krest::__private::codegen::List::Borrowed(
                &[::krest::__private::codegen::Str::Borrowed("all")],
            ),
            scope: ::krest::__private::codegen::Scope::Namespaced,
            verbs: ::krest::__private::codegen::VerbSet::from_bits(255u16),
            status: true,
            scale: ::core::option::Option::Some(::krest::__private::codegen::Scale {
                spec_replicas_path: ::krest::__private::codegen::Str::Borrowed(
                    ".spec.replicas",
                ),
                status_replicas_path: ::krest::__private::codegen::Str::Borrowed(
                    ".status.readyReplicas",
                ),
                label_selector_path: ::core::option::Option::Some(
                    ::krest::__private::codegen::Str::Borrowed(".status.selector"),
                ),
            }),
            connect: ::krest::__private::codegen::List::Borrowed(&[]),
            printer_columns: ::krest::__private::codegen::List::Borrowed(
                &[
                    ::krest::__private::codegen::PrinterColumn {
                        name: ::krest::__private::codegen::Str::Borrowed("Color"),
                        type_: ::krest::__private::codegen::Str::Borrowed("string"),
                        format: ::krest::__private::codegen::Str::Borrowed(""),
                        json_path: ::krest::__private::codegen::Str::Borrowed(
                            ".spec.color",
                        ),
                        priority: 0i32,
                        description: ::krest::__private::codegen::Str::Borrowed(""),
                    },
                    ::krest::__private::codegen::PrinterColumn {
                        name: ::krest::__private::codegen::Str::Borrowed("Replicas"),
                        type_: ::krest::__private::codegen::Str::Borrowed("integer"),
                        format: ::krest::__private::codegen::Str::Borrowed("int32"),
                        json_path: ::krest::__private::codegen::Str::Borrowed(
                            ".spec.replicas",
                        ),
                        priority: 0i32,
                        description: ::krest::__private::codegen::Str::Borrowed(
                            "Desired replicas",
                        ),
                    },
                    ::krest::__private::codegen::PrinterColumn {
                        name: ::krest::__private::codegen::Str::Borrowed("Size"),
                        type_: ::krest::__private::codegen::Str::Borrowed("string"),
                        format: ::krest::__private::codegen::Str::Borrowed(""),
                        json_path: ::krest::__private::codegen::Str::Borrowed(
                            ".spec.size",
                        ),
                        priority: 1i32,
                        description: ::krest::__private::codegen::Str::Borrowed(""),
                    },
                ],
            ),
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets",
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
                        "listNamespacedWidget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listDemoKrestDevV1NamespacedWidget",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets",
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
                        "createNamespacedWidget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "createDemoKrestDevV1NamespacedWidget",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets",
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
                        "deletecollectionNamespacedWidget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteDemoKrestDevV1CollectionNamespacedWidget",
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
                        "/apis/demo.krest.dev/v1/watch/namespaces/{namespace}/widgets",
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
                        "watchNamespacedWidgetList",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1NamespacedWidgetList",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}",
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
                        "readNamespacedWidget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "readDemoKrestDevV1NamespacedWidget",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}",
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
                        "replaceNamespacedWidget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "replaceDemoKrestDevV1NamespacedWidget",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}",
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
                        "patchNamespacedWidget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "patchDemoKrestDevV1NamespacedWidget",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}",
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
                        "deleteNamespacedWidget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteDemoKrestDevV1NamespacedWidget",
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
                        "/apis/demo.krest.dev/v1/watch/namespaces/{namespace}/widgets/{name}",
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
                        "watchNamespacedWidget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1NamespacedWidget",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::List,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/apis/demo.krest.dev/v1/widgets",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::List,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: true,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "listWidgetForAllNamespaces",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listDemoKrestDevV1WidgetForAllNamespaces",
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
                        "/apis/demo.krest.dev/v1/watch/widgets",
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
                        "watchWidgetListForAllNamespaces",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1WidgetListForAllNamespaces",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/status",
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
                        "readNamespacedWidgetStatus",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "readDemoKrestDevV1NamespacedWidgetStatus",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/status",
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
                        "replaceNamespacedWidgetStatus",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "replaceDemoKrestDevV1NamespacedWidgetStatus",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/status",
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
                        "patchNamespacedWidgetStatus",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "patchDemoKrestDevV1NamespacedWidgetStatus",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(30721u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Get,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/scale",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Get,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("scale"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Scale,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "readNamespacedWidgetScale",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "readDemoKrestDevV1NamespacedWidgetScale",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/scale",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Update,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("scale"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Scale,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "replaceNamespacedWidgetScale",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "replaceDemoKrestDevV1NamespacedWidgetScale",
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
                        "/apis/demo.krest.dev/v1/namespaces/{namespace}/widgets/{name}/scale",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Patch,
                    ),
                    subresource: ::core::option::Option::Some(
                        ::krest::__private::codegen::Str::Borrowed("scale"),
                    ),
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::Scale,
                    namespaced: true,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "patchNamespacedWidgetScale",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "patchDemoKrestDevV1NamespacedWidgetScale",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(30721u32),
                },
                connect: ::core::option::Option::None,
            },
        ];
        fn schema() -> ::krest::__private::serde_json::Value {
            ::krest::__private::object_schema(
                &<Self as ::krest::Resource>::MODEL,
                ::krest::__private::schema_for::<WidgetSpec>(),
                ::core::option::Option::Some(
                    ::krest::__private::schema_for::<WidgetStatus>(),
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
    impl Widget {
        /// A new object named `name` with `spec` and no status.
        pub fn new(name: &str, spec: WidgetSpec) -> Self {
            Widget {
                metadata: ::krest::ObjectMeta::named(name),
                spec,
                status: ::core::option::Option::None,
            }
        }
    }
    #[automatically_derived]
    impl ::krest::__private::serde::Serialize for Widget {
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
    impl<'de> ::krest::__private::serde::Deserialize<'de> for Widget {
        fn deserialize<__D>(
            deserializer: __D,
        ) -> ::core::result::Result<Self, __D::Error>
        where
            __D: ::krest::__private::serde::Deserializer<'de>,
        {
            let repr = <::krest::__private::ObjectRepr<
                WidgetSpec,
                WidgetStatus,
            > as ::krest::__private::serde::Deserialize<
                'de,
            >>::deserialize(deserializer)?;
            ::core::result::Result::Ok(Widget {
                metadata: repr.metadata,
                spec: repr.spec,
                status: repr.status,
            })
        }
    }
};
