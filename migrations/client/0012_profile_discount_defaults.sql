-- A profile cached by a version before per-person discount limits has none, which read as 0 % and
-- refused every discount at the counter until the app went online. It gets its role's default
-- (the server's defaults: promoter 10 %, store manager 20 %, admin 100 %) until the next refresh.
UPDATE profile_cache
SET profile_json = json_set(
    profile_json,
    '$.discount_limit_percent',
    CASE json_extract(profile_json, '$.role')
        WHEN 'promoter' THEN 10
        WHEN 'store_manager' THEN 20
        WHEN 'admin' THEN 100
        ELSE 0
    END
)
WHERE json_type(profile_json, '$.discount_limit_percent') IS NULL;
