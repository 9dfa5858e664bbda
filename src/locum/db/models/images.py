from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped


class Image(InstanceScoped, Timestamped, Base):
    """An uploaded image, served back at /locum/images/{id}."""

    __tablename__ = "images"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
