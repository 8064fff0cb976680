/// The `Gizmo` resource (`demo.krest.dev/v1`), with its spec in [`GizmoSpec`].
#[derive(::core::clone::Clone, ::core::fmt::Debug)]
pub struct Gizmo {
    /// Standard object metadata.
    pub metadata: ::krest::ObjectMeta,
    /// The desired state of the object.
    pub spec: GizmoSpec,
}
const _: () = {
    fn __assert_data<T: ::krest::__private::Data>() {}
    const _: fn() = || {
        __assert_data::<GizmoSpec>();
    };
    #[automatically_derived]
    impl ::krest::Resource for Gizmo {
        type Spec = GizmoSpec;
        type Status = ();
        const MODEL: ::krest::__private::codegen::ResourceModel = ::krest::__private::codegen::ResourceModel {
            group: ::krest::__private::codegen::Str::Borrowed("demo.krest.dev"),
            version: ::krest::__private::codegen::Str::Borrowed("v1"),
            kind: ::krest::__private::codegen::Str::Borrowed("Gizmo"),
            plural: ::krest::__private::codegen::Str::Borrowed("gizmos"),
            singular: ::krest::__private::codegen::Str::Borrowed("gizmo"),
            short_names: ::krest::__private::codegen::List::Borrowed(&[]),
            categories: ::krest::__private::codegen::List::Borrowed(&[]),
            scope: ::krest::__private::codegen::Scope::Cluster,
            verbs: ::krest::__private::codegen::VerbSet::from_bits(255u16),
            status: false,
            scale: ::core::option::Option::None,
            connect: ::krest::__private::codegen::List::Borrowed(&[]),
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
                        "/apis/demo.krest.dev/v1/gizmos",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::List,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("listGizmo"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listDemoKrestDevV1Gizmo",
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
                        "/apis/demo.krest.dev/v1/gizmos",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Create,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("createGizmo"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "createDemoKrestDevV1Gizmo",
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
                        "/apis/demo.krest.dev/v1/gizmos",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::DeleteCollection,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "deletecollectionGizmo",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteDemoKrestDevV1CollectionGizmo",
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
                        "/apis/demo.krest.dev/v1/watch/gizmos",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Watch,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "watchGizmoList",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1GizmoList",
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
                        "/apis/demo.krest.dev/v1/gizmos/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Get,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("readGizmo"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "readDemoKrestDevV1Gizmo",
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
                        "/apis/demo.krest.dev/v1/gizmos/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Update,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "replaceGizmo",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "replaceDemoKrestDevV1Gizmo",
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
                        "/apis/demo.krest.dev/v1/gizmos/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Patch,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("patchGizmo"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "patchDemoKrestDevV1Gizmo",
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
                        "/apis/demo.krest.dev/v1/gizmos/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Delete,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("deleteGizmo"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteDemoKrestDevV1Gizmo",
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
                        "/apis/demo.krest.dev/v1/watch/gizmos/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Watch,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("watchGizmo"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1Gizmo",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
        ];
        fn schema() -> ::krest::__private::serde_json::Value {
            crate::schemas::gizmo()
        }
        fn metadata(&self) -> &::krest::ObjectMeta {
            &self.metadata
        }
        fn metadata_mut(&mut self) -> &mut ::krest::ObjectMeta {
            &mut self.metadata
        }
    }
    #[automatically_derived]
    impl Gizmo {
        /// A new object named `name` with `spec` and no status.
        pub fn new(name: &str, spec: GizmoSpec) -> Self {
            Gizmo {
                metadata: ::krest::ObjectMeta::named(name),
                spec,
            }
        }
    }
    #[automatically_derived]
    impl ::krest::__private::serde::Serialize for Gizmo {
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
                |_| ::core::result::Result::Ok(()),
            )
        }
    }
    #[automatically_derived]
    impl<'de> ::krest::__private::serde::Deserialize<'de> for Gizmo {
        fn deserialize<__D>(
            deserializer: __D,
        ) -> ::core::result::Result<Self, __D::Error>
        where
            __D: ::krest::__private::serde::Deserializer<'de>,
        {
            let repr = <::krest::__private::ObjectRepr<
                GizmoSpec,
                ::krest::__private::serde::de::IgnoredAny,
            > as ::krest::__private::serde::Deserialize<
                'de,
            >>::deserialize(deserializer)?;
            ::core::result::Result::Ok(Gizmo {
                metadata: repr.metadata,
                spec: repr.spec,
            })
        }
    }
};
