/// The `Report` resource (`demo.krest.dev/v1beta1`), with its spec in [`ReportSpecification`].
#[derive(::core::clone::Clone, ::core::fmt::Debug)]
pub(crate) struct Report {
    /// Standard object metadata.
    pub metadata: ::krest::ObjectMeta,
    /// The desired state of the object.
    pub spec: ReportSpecification,
}
const _: () = {
    fn __assert_data<T: ::krest::__private::Data>() {}
    const _: fn() = || {
        __assert_data::<ReportSpecification>();
    };
    #[automatically_derived]
    impl ::krest::Resource for Report {
        type Spec = ReportSpecification;
        type Status = ();
        const MODEL: ::krest::__private::codegen::ResourceModel = ::krest::__private::codegen::ResourceModel {
            group: ::krest::__private::codegen::Str::Borrowed("demo.krest.dev"),
            version: ::krest::__private::codegen::Str::Borrowed("v1beta1"),
            kind: ::krest::__private::codegen::Str::Borrowed("Report"),
            plural: ::krest::__private::codegen::Str::Borrowed("reports"),
            singular: ::krest::__private::codegen::Str::Borrowed("report"),
            short_names: ::krest::__private::codegen::List::Borrowed(&[]),
            categories: ::krest::__private::codegen::List::Borrowed(&[]),
            scope: ::krest::__private::codegen::Scope::Namespaced,
            verbs: ::krest::__private::codegen::VerbSet::from_bits(152u16),
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
                        "/apis/demo.krest.dev/v1beta1/namespaces/{namespace}/reports",
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
                        "listNamespacedReport",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listDemoKrestDevV1beta1NamespacedReport",
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
                        "/apis/demo.krest.dev/v1beta1/watch/namespaces/{namespace}/reports",
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
                        "watchNamespacedReportList",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1beta1NamespacedReportList",
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
                        "/apis/demo.krest.dev/v1beta1/namespaces/{namespace}/reports/{name}",
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
                        "readNamespacedReport",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "readDemoKrestDevV1beta1NamespacedReport",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(1u32),
                },
                connect: ::core::option::Option::None,
            },
            ::krest::__private::Route {
                action: ::krest::__private::codegen::Action {
                    verb: ::krest::__private::codegen::ActionVerb::Watch,
                    method: ::krest::__private::codegen::Method::Get,
                    path: ::krest::__private::codegen::Str::Borrowed(
                        "/apis/demo.krest.dev/v1beta1/watch/namespaces/{namespace}/reports/{name}",
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
                        "watchNamespacedReport",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1beta1NamespacedReport",
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
                        "/apis/demo.krest.dev/v1beta1/reports",
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
                        "listReportForAllNamespaces",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "listDemoKrestDevV1beta1ReportForAllNamespaces",
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
                        "/apis/demo.krest.dev/v1beta1/watch/reports",
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
                        "watchReportListForAllNamespaces",
                    ),
                    operation_id: ::krest::__private::codegen::Str::Borrowed(
                        "watchDemoKrestDevV1beta1ReportListForAllNamespaces",
                    ),
                    params: ::krest::__private::codegen::Params::from_bits(2047u32),
                },
                connect: ::core::option::Option::None,
            },
        ];
        fn schema() -> ::krest::__private::serde_json::Value {
            ::krest::__private::object_schema(
                &<Self as ::krest::Resource>::MODEL,
                ::krest::__private::schema_for::<ReportSpecification>(),
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
    impl Report {
        /// A new object named `name` with `spec` and no status.
        pub fn new(name: &str, spec: ReportSpecification) -> Self {
            Report {
                metadata: ::krest::ObjectMeta::named(name),
                spec,
            }
        }
    }
    #[automatically_derived]
    impl ::krest::__private::serde::Serialize for Report {
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
    impl<'de> ::krest::__private::serde::Deserialize<'de> for Report {
        fn deserialize<__D>(
            deserializer: __D,
        ) -> ::core::result::Result<Self, __D::Error>
        where
            __D: ::krest::__private::serde::Deserializer<'de>,
        {
            let repr = <::krest::__private::ObjectRepr<
                ReportSpecification,
                ::krest::__private::serde::de::IgnoredAny,
            > as ::krest::__private::serde::Deserialize<
                'de,
            >>::deserialize(deserializer)?;
            ::core::result::Result::Ok(Report {
                metadata: repr.metadata,
                spec: repr.spec,
            })
        }
    }
};
