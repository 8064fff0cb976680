/// The `Application` resource (`demo.krest.dev/v1beta1`), with its spec in [`AppSpec`].
#[derive(::core::clone::Clone, ::core::fmt::Debug)]
pub struct Application {
    /// Standard object metadata.
    pub metadata: ::krest::ObjectMeta,
    /// The desired state of the object.
    pub spec: AppSpec,
    /// The object's top-level `status`.
    pub status: ::core::option::Option<AppStatus>,
    /// The object's top-level `lastOperation`.
    pub last_operation: ::core::option::Option<Operation>,
}
const _: () = {
    fn __assert_data<T: ::krest::__private::Data>() {}
    const _: fn() = || {
        __assert_data::<AppSpec>();
        __assert_data::<AppStatus>();
        __assert_data::<Operation>();
    };
    #[automatically_derived]
    impl ::krest::Resource for Application {
        type Spec = AppSpec;
        type Status = ();
        const MODEL: ::krest::__private::codegen::ResourceModel = ::krest::__private::codegen::ResourceModel {
            group: ::krest::__private::codegen::Str::Borrowed("demo.krest.dev"),
            version: ::krest::__private::codegen::Str::Borrowed("v1beta1"),
            kind: ::krest::__private::codegen::Str::Borrowed("Application"),
            plural: ::krest::__private::codegen::Str::Borrowed("applications"),
            singular: ::krest::__private::codegen::Str::Borrowed("application"),
            short_names: ::krest::__private::codegen::List::Borrowed(&[]),
            categories: ::krest::__private::codegen::List::Borrowed(&[]),
            scope: ::krest::__private::codegen::Scope::Namespaced,
            verbs: ::krest::__private::codegen::VerbSet::from_bits(255u16),
            status: false,
            scale: ::core::option::Option::None,
            connect: ::krest::__private::codegen::List::Borrowed(&[]),
            printer_columns: ::krest::__private::codegen::List::Borrowed(&[]),
            selectable_fields: ::krest::__private::codegen::List::Borrowed(
                &[
                    ::krest::__private::codegen::Str::Borrowed(".spec.project"),
                    ::krest::__private::codegen::Str::Borrowed(".status.phase"),
                ],
            ),
            deprecated: true,
            deprecation_warning: ::core::option::Option::Some(
                ::krest::__private::codegen::Str::Borrowed(
                    "demo.krest.dev/v1beta1 Application is going away; use v1",
                ),
            ),
            storage_version: ::core::option::Option::Some(
                ::krest::__private::codegen::Str::Borrowed("v1"),
            ),
            conversion: ::core::option::Option::None,
            stored_conversions: ::krest::__private::codegen::List::Borrowed(&[]),
        };
        const ROUTES: &'static [::krest::__private::Route] = &[
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::List,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/apis/demo.krest.dev/v1beta1/namespaces/{namespace}/applications",
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
                        "listNamespacedApplication",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listDemoKrestDevV1beta1NamespacedApplication",
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
                        "/apis/demo.krest.dev/v1beta1/namespaces/{namespace}/applications",
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
                        "createNamespacedApplication",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "createDemoKrestDevV1beta1NamespacedApplication",
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
                        "/apis/demo.krest.dev/v1beta1/namespaces/{namespace}/applications",
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
                        "deletecollectionNamespacedApplication",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteDemoKrestDevV1beta1CollectionNamespacedApplication",
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
                        "/apis/demo.krest.dev/v1beta1/watch/namespaces/{namespace}/applications",
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
                        "watchNamespacedApplicationList",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1beta1NamespacedApplicationList",
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
                        "/apis/demo.krest.dev/v1beta1/namespaces/{namespace}/applications/{name}",
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
                        "readNamespacedApplication",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "readDemoKrestDevV1beta1NamespacedApplication",
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
                        "/apis/demo.krest.dev/v1beta1/namespaces/{namespace}/applications/{name}",
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
                        "replaceNamespacedApplication",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "replaceDemoKrestDevV1beta1NamespacedApplication",
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
                        "/apis/demo.krest.dev/v1beta1/namespaces/{namespace}/applications/{name}",
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
                        "patchNamespacedApplication",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "patchDemoKrestDevV1beta1NamespacedApplication",
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
                        "/apis/demo.krest.dev/v1beta1/namespaces/{namespace}/applications/{name}",
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
                        "deleteNamespacedApplication",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteDemoKrestDevV1beta1NamespacedApplication",
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
                        "/apis/demo.krest.dev/v1beta1/watch/namespaces/{namespace}/applications/{name}",
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
                        "watchNamespacedApplication",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1beta1NamespacedApplication",
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
                        "/apis/demo.krest.dev/v1beta1/applications",
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
                        "listApplicationForAllNamespaces",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listDemoKrestDevV1beta1ApplicationForAllNamespaces",
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
                        "/apis/demo.krest.dev/v1beta1/watch/applications",
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
                        "watchApplicationListForAllNamespaces",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1beta1ApplicationListForAllNamespaces",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
        ];
        fn schema() -> ::krest::__private::serde_json::Value {
            ::krest::__private::object_schema(
                &<Self as ::krest::Resource>::MODEL,
                ::krest::__private::schema_for::<AppSpec>(),
                ::core::option::Option::None,
                ::std::vec![
                    ("status", ::krest::__private::schema_for:: < AppStatus > ()),
                    ("lastOperation", ::krest::__private::schema_for:: < Operation > ())
                ],
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
    impl Application {
        /// A new object named `name` with `spec` and no status.
        pub fn new(name: &str, spec: AppSpec) -> Self {
            Application {
                metadata: ::krest::ObjectMeta::named(name),
                spec,
                status: ::core::option::Option::None,
                last_operation: ::core::option::Option::None,
            }
        }
    }
    #[automatically_derived]
    impl ::krest::__private::serde::Serialize for Application {
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
                ::core::option::Option::None::<&()>,
                |__object| {
                    if let ::core::option::Option::Some(value) = &self.status {
                        ::krest::__private::serde::ser::SerializeStruct::serialize_field(
                            __object,
                            "status",
                            value,
                        )?;
                    }
                    if let ::core::option::Option::Some(value) = &self.last_operation {
                        ::krest::__private::serde::ser::SerializeStruct::serialize_field(
                            __object,
                            "lastOperation",
                            value,
                        )?;
                    }
                    ::core::result::Result::Ok(())
                },
            )
        }
    }
    #[automatically_derived]
    impl<'de> ::krest::__private::serde::Deserialize<'de> for Application {
        fn deserialize<__D>(
            deserializer: __D,
        ) -> ::core::result::Result<Self, __D::Error>
        where
            __D: ::krest::__private::serde::Deserializer<'de>,
        {
            #[derive(::krest::__private::serde::Deserialize)]
            #[serde(crate = "::krest::__private::serde")]
            struct __Repr {
                #[serde(default)]
                metadata: ::krest::ObjectMeta,
                spec: AppSpec,
                #[serde(default = "::core::option::Option::default", rename = "status")]
                status: ::core::option::Option<AppStatus>,
                #[serde(
                    default = "::core::option::Option::default",
                    rename = "lastOperation"
                )]
                last_operation: ::core::option::Option<Operation>,
            }
            let repr = <__Repr as ::krest::__private::serde::Deserialize<
                'de,
            >>::deserialize(deserializer)?;
            ::core::result::Result::Ok(Application {
                metadata: repr.metadata,
                spec: repr.spec,
                status: repr.status,
                last_operation: repr.last_operation,
            })
        }
    }
};
