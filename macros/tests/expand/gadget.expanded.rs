/// The `Gadget` resource (`demo.krest.dev/v1`), with its spec in [`GadgetSpec`].
#[derive(::core::clone::Clone, ::core::fmt::Debug)]
pub struct Gadget {
    /// Standard object metadata.
    pub metadata: ::krest::ObjectMeta,
    /// The desired state of the object.
    pub spec: GadgetSpec,
}
const _: () = {
    fn __assert_data<T: ::krest::__private::Data>() {}
    const _: fn() = || {
        __assert_data::<GadgetSpec>();
    };
    #[automatically_derived]
    impl ::krest::Resource for Gadget {
        type Spec = GadgetSpec;
        type Status = ();
        const MODEL: ::krest::__private::codegen::ResourceModel = ::krest::__private::codegen::ResourceModel {
            group: ::krest::__private::codegen::Str::Borrowed("demo.krest.dev"),
            version: ::krest::__private::codegen::Str::Borrowed("v1"),
            kind: ::krest::__private::codegen::Str::Borrowed("Gadget"),
            plural: ::krest::__private::codegen::Str::Borrowed("gadgets"),
            singular: ::krest::__private::codegen::Str::Borrowed("gadget"),
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
                        "/apis/demo.krest.dev/v1/gadgets",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::List,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("listGadget"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listDemoKrestDevV1Gadget",
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
                        "/apis/demo.krest.dev/v1/gadgets",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Create,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "createGadget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "createDemoKrestDevV1Gadget",
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
                        "/apis/demo.krest.dev/v1/gadgets",
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
                        "deletecollectionGadget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteDemoKrestDevV1CollectionGadget",
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
                        "/apis/demo.krest.dev/v1/watch/gadgets",
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
                        "watchGadgetList",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1GadgetList",
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
                        "/apis/demo.krest.dev/v1/gadgets/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Get,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("readGadget"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "readDemoKrestDevV1Gadget",
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
                        "/apis/demo.krest.dev/v1/gadgets/{name}",
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
                        "replaceGadget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "replaceDemoKrestDevV1Gadget",
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
                        "/apis/demo.krest.dev/v1/gadgets/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Patch,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("patchGadget"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "patchDemoKrestDevV1Gadget",
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
                        "/apis/demo.krest.dev/v1/gadgets/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Delete,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed(
                        "deleteGadget",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "deleteDemoKrestDevV1Gadget",
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
                        "/apis/demo.krest.dev/v1/watch/gadgets/{name}",
                    ),
                    kube_verb: ::core::option::Option::Some(
                        ::krest::__private::codegen::Verb::Watch,
                    ),
                    subresource: ::core::option::Option::None,
                    subresource_kind: ::krest::__private::codegen::SubresourceKind::None,
                    namespaced: false,
                    all_namespaces: false,
                    subpath: false,
                    operation: ::krest::__private::codegen::Str::Borrowed("watchGadget"),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1Gadget",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
        ];
        fn schema() -> ::krest::__private::serde_json::Value {
            ::krest::__private::object_schema(
                &<Self as ::krest::Resource>::MODEL,
                ::krest::__private::schema_for::<GadgetSpec>(),
                ::core::option::Option::None,
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
    impl Gadget {
        /// A new object named `name` with `spec` and no status.
        pub fn new(name: &str, spec: GadgetSpec) -> Self {
            Gadget {
                metadata: ::krest::ObjectMeta::named(name),
                spec,
            }
        }
    }
    #[automatically_derived]
    impl ::krest::__private::serde::Serialize for Gadget {
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
    impl<'de> ::krest::__private::serde::Deserialize<'de> for Gadget {
        fn deserialize<__D>(
            deserializer: __D,
        ) -> ::core::result::Result<Self, __D::Error>
        where
            __D: ::krest::__private::serde::Deserializer<'de>,
        {
            let repr = <::krest::__private::ObjectRepr<
                GadgetSpec,
                ::krest::__private::serde::de::IgnoredAny,
            > as ::krest::__private::serde::Deserialize<
                'de,
            >>::deserialize(deserializer)?;
            ::core::result::Result::Ok(Gadget {
                metadata: repr.metadata,
                spec: repr.spec,
            })
        }
    }
};
