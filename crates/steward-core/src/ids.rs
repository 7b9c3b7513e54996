//! Typed ids: an `EmployeeId` can never be passed where a `UserId` is expected.
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    TaskId,
    TemplateId,
    RuleId,
    ChecklistItemId,
    CompanyId,
    UserId,
    RoleId,
    DepartmentId,
    TokenId,
    AuditSeq,
    AccountId,
    CommodityId,
    JournalId,
    EntryId,
    ImportId,
    EmployeeId,
    LocationId,
    FileId,
    DocumentId,
    PartyId,
    TaxCodeId,
    InvoiceId,
    BankAccountId,
    StatementId,
    BankLineId,
    MappingId,
    AssetId,
    AssetModelId,
    AssetCategoryId,
    LicenceId,
    LicenceSeatId,
    ConsumableId,
);
