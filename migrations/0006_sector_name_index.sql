-- The "similar name in the same postcode sector" rule reads every person of the sector (a few
-- thousand). With the name and id in the index it reads only the index, not each person's row.
drop index persons_sector_idx;
create index persons_sector_idx on persons (authority_id, postcode_sector) include (id, name_search, merged_into_id)
  where postcode_sector is not null;
