"""Analytics: heat pre-aggregate, service centres and roads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""
from typing import Any, cast

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

# GeoAlchemy2's alembic_helpers add the *_geospatial_* operations to alembic's op at run time;
# alembic's stubs cannot list them, so they are called through an untyped alias of op
geo_op = cast(Any, op)

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


HOURS = [f'h{h:02d}' for h in range(24)]


def _counts() -> list[sa.Column]:
    """Weekday (NULL on monthly rows), total and one count per local hour of day."""
    return [sa.Column('weekday', sa.SmallInteger(), nullable=True),
            sa.Column('count', sa.Integer(), nullable=False),
            *(sa.Column(h, sa.Integer(), nullable=False) for h in HOURS)]


def upgrade() -> None:
    """Create heat_counts and heat_bins (filled from the existing records), centres and roads."""
    op.create_table('heat_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('h3', sa.String(length=16), nullable=False),
    sa.Column('cell_code', sa.String(length=15), nullable=False),
    *_counts(),
    sa.PrimaryKeyConstraint('day', 'kind', 'category', 'h3', 'cell_code',
                            name=op.f('pk_heat_counts'))
    )
    op.create_index('ix_heat_counts_cell_day', 'heat_counts', ['cell_code', 'day'])
    # the map's bins: the primary key serves category filters, the (res, monthly, day) index the
    # others; no covering index, so a write to an existing row stays a heap-only (HOT) update
    op.create_table('heat_bins',
    sa.Column('res', sa.SmallInteger(), nullable=False),
    sa.Column('monthly', sa.Boolean(create_constraint=False), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('h3', sa.String(length=16), nullable=False),
    sa.Column('shard', sa.SmallInteger(), nullable=False),
    *_counts(),
    sa.PrimaryKeyConstraint('res', 'monthly', 'category', 'day', 'kind', 'h3', 'shard',
                            name=op.f('pk_heat_bins'))
    )
    op.create_index('ix_heat_bins_res_day', 'heat_bins', ['res', 'monthly', 'day'])
    geo_op.create_geospatial_table('centres',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=True),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2,
                               spatial_index=False, from_text='ST_GeomFromEWKT',
                               name='geometry', nullable=False), nullable=False),
    sa.Column('radius_m', sa.Float(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centres'))
    )
    geo_op.create_geospatial_index('idx_centres_geom', 'centres', ['geom'], unique=False,
                                   postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_centres_community_code'), 'centres', ['community_code'], unique=False)
    geo_op.create_geospatial_table('roads',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('highway', sa.String(length=32), nullable=True),
    sa.Column('geom', Geometry(geometry_type='LINESTRING', srid=4326, dimension=2,
                               spatial_index=False, from_text='ST_GeomFromEWKT',
                               name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roads'))
    )
    geo_op.create_geospatial_index('idx_roads_geom', 'roads', ['geom'], unique=False,
                                   postgresql_using='gist', postgresql_ops={})
    from api.analytics.heatagg import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    """Drop roads, centres, heat_bins and heat_counts."""
    geo_op.drop_geospatial_index('idx_roads_geom', table_name='roads', postgresql_using='gist',
                                 column_name='geom')
    geo_op.drop_geospatial_table('roads')
    op.drop_index(op.f('ix_centres_community_code'), table_name='centres')
    geo_op.drop_geospatial_index('idx_centres_geom', table_name='centres', postgresql_using='gist',
                                 column_name='geom')
    geo_op.drop_geospatial_table('centres')
    op.drop_index('ix_heat_bins_res_day', table_name='heat_bins')
    op.drop_table('heat_bins')
    op.drop_index('ix_heat_counts_cell_day', table_name='heat_counts')
    op.drop_table('heat_counts')
