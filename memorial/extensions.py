"""Flask extensions, created unbound and bound to the app in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that migrations on SQLite and PostgreSQL agree.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of all models."""

    metadata = MetaData(naming_convention=NAMING)

    if TYPE_CHECKING:
        # Every model names its table, so declarative always makes a Table, not any FromClause.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)

# The base class of the models. ``db.Model`` is made at runtime as a subclass of ``Base``
# (adding the Flask-SQLAlchemy extras), which mypy cannot follow as a base class; for the
# type checker it is ``Base`` itself.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
migrate = Migrate()
