//! [`UserRepository`] on SeaORM.

use crate::connection::SqlStore;
use crate::entities::tenancy::users::{ActiveModel, Column, Entity, Model};
use crate::error::{corrupt, db, found, tenancy_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{AccountType, Role, UserId};
use frontdesk_tenancy::{EmailAddress, PasswordHash, PersonName, Result, TenancyError, User, UserRepository};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// Accounts in the `users` table.
#[derive(Clone, Debug)]
pub struct SeaOrmUserRepository {
    store: SqlStore,
}

impl SeaOrmUserRepository {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

const fn account_type_str(account_type: AccountType) -> &'static str {
    match account_type {
        AccountType::User => "user",
        AccountType::Admin => "admin",
    }
}

fn to_domain(row: Model) -> Result<User> {
    let account_type = match row.account_type.as_str() {
        "user" => AccountType::User,
        "admin" => AccountType::Admin,
        other => return Err(corrupt("users", format!("account_type {other:?}"))),
    };
    Ok(User {
        id: UserId::from_uuid(row.id),
        email: EmailAddress::parse(&row.email).map_err(|e| corrupt("users", e))?,
        name: PersonName::parse(&row.name).map_err(|e| corrupt("users", e))?,
        password_hash: PasswordHash::from_stored(row.password_hash),
        account_type,
        admin_role: row.admin_role.map(|r| r.parse::<Role>()).transpose().map_err(|e| corrupt("users", e))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

#[async_trait]
impl UserRepository for SeaOrmUserRepository {
    async fn insert(&self, user: &User) -> Result<()> {
        let row = ActiveModel {
            id: Set(user.id.as_uuid()),
            email: Set(user.email.as_str().to_owned()),
            name: Set(user.name.as_str().to_owned()),
            password_hash: Set(user.password_hash.as_str().to_owned()),
            account_type: Set(account_type_str(user.account_type).to_owned()),
            admin_role: Set(user.admin_role.map(|r| r.as_str().to_owned())),
            created_at: Set(user.created_at),
            updated_at: Set(user.updated_at),
        };
        Entity::insert(row).exec_without_returning(self.store.conn()).await.map_err(|e| tenancy_err(e, "email"))?;
        Ok(())
    }

    async fn get(&self, id: UserId) -> Result<User> {
        let row =
            Entity::find_by_id(id.as_uuid()).one(self.store.conn()).await.map_err(|e| TenancyError::Storage(db(e)))?;
        row.map(to_domain).transpose()?.ok_or(TenancyError::NotFound { entity: "user" })
    }

    async fn update_name(&self, id: UserId, name: &PersonName, at: DateTime<Utc>) -> Result<()> {
        let result = Entity::update_many()
            .col_expr(Column::Name, Expr::value(name.as_str()))
            .col_expr(Column::UpdatedAt, Expr::value(at))
            .filter(Column::Id.eq(id.as_uuid()))
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        found(result.rows_affected, "user")
    }

    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = Entity::find()
            .filter(Column::Id.is_in(ids.iter().map(UserId::as_uuid)))
            .all(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn update_password(&self, id: UserId, hash: &PasswordHash, at: DateTime<Utc>) -> Result<()> {
        let result = Entity::update_many()
            .col_expr(Column::PasswordHash, Expr::value(hash.as_str()))
            .col_expr(Column::UpdatedAt, Expr::value(at))
            .filter(Column::Id.eq(id.as_uuid()))
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        found(result.rows_affected, "user")
    }

    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<User>> {
        let row = Entity::find()
            .filter(Column::Email.eq(email.as_str()))
            .one(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        row.map(to_domain).transpose()
    }
}
