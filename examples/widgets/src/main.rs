//! `widgets-server`: serves Widget and Gadget.
//!
//! Run with: `cargo run -p krest-example-widgets --release`

fn main() {
    use krest::Resource;
    for route in krest_example_widgets::Widget::ROUTES
        .iter()
        .chain(krest_example_widgets::Gadget::ROUTES)
    {
        let a = &route.action;
        println!("{:<7} {:<70} {}", a.method, a.path, a.operation_id);
    }
}
