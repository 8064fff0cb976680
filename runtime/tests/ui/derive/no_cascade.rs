// One mistake in the attributes is one error: the object type is still emitted, so the code
// that uses `Widget` (its fields, `new`, serde, `Resource`), here through glob imports that
// the compiler does not excuse, reports nothing more.
mod api {
    use krest::Resource;
    use serde::{Deserialize, Serialize};

    #[derive(Resource, Clone, Debug, Serialize, Deserialize, krest::JsonSchema)]
    #[schemars(crate = "krest::schemars")]
    #[resource(group = "demo.krest.dev", version = "1.0", status = WidgetStatus)]
    pub struct WidgetSpec {
        pub color: String,
    }

    #[derive(Clone, Debug, Serialize, Deserialize, krest::JsonSchema)]
    #[schemars(crate = "krest::schemars")]
    pub struct WidgetStatus {
        pub ready: bool,
    }
}

mod paint {
    use crate::api::*;
    use krest::Resource as _;

    pub fn repaint(widget: &mut Widget, color: &str) {
        widget.spec.color = color.to_string();
        widget.status = Some(WidgetStatus { ready: false });
        widget.metadata_mut().labels.insert("painted".into(), "yes".into());
    }
}

use api::*;
use krest::{Resource as _, Server};

fn main() {
    let mut widget = Widget::new("one", WidgetSpec { color: "red".into() });
    paint::repaint(&mut widget, "blue");
    let _json: String = serde_json::to_string(&widget).unwrap();
    let _model: krest::codegen::ResourceModel = Widget::MODEL;
    let _server = Server::builder().resource::<Widget>();
}
