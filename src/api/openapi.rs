//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "consentflow API", version = "1"),
    paths(
        super::admin::token,
        super::tokens::list,
        super::tokens::revoke,
        super::admin::create_office,
        super::admin::list_offices,
        super::admin::create_user,
        super::admin::suspend,
        super::admin::reinstate,
        super::registration::apply,
        super::registration::list,
        super::registration::approve,
        super::registration::reject,
        super::registration::update_office,
        super::enrollments::create,
        super::enrollments::list,
        super::enrollments::get,
        super::enrollments::transition,
        super::enrollments::print_form,
        super::enrollments::consent_form,
        super::enrollments::issued_forms,
        super::enrollments::dashboard,
        super::enrollments::resend,
        super::batches::create,
        super::batches::get,
        super::batches::pdf,
        super::fax::messages,
        super::fax::message,
        super::fax::pages,
        super::fax::page,
        super::fax::image,
        super::fax::candidates,
        super::fax::ocr,
        super::public::offices,
        super::subject::update,
        super::team::remove,
        super::handovers::replace,
        super::handovers::propose,
        super::handovers::open,
        super::handovers::answer_obtainer,
        super::handovers::transfer,
        super::handovers::answer_transfer,
        super::handovers::ask_closure,
        super::handovers::answer_closure,
        super::handovers::of_office,
        super::retention::coming,
        super::additions::propose,
        super::additions::form,
        super::additions::verify,
        super::additions::withdraw,
        super::retention::hold,
        super::retention::release,
        super::reports::operations,
        super::reports::pdf,
        super::reports::csv,
        super::incidents::list,
        super::incidents::report,
        super::incidents::one,
        super::incidents::step,
        super::incidents::act,
        super::fax::assign,
        super::fax::upload,
        super::fax::copy,
        super::fax::checks,
    ),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
