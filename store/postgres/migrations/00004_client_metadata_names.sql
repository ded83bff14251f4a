-- Client records take the client metadata names store.Client shares with
-- the configuration file and the admin API: auth_method becomes
-- token_endpoint_auth_method, id_token_alg becomes
-- id_token_signed_response_alg, and mfa_factors, mfa_every_sign_in and
-- default_acr move under mfa as factors, every_sign_in and acr.

-- +goose Up
UPDATE clients SET record =
    (record - 'auth_method' - 'id_token_alg' - 'mfa_factors' - 'mfa_every_sign_in' - 'default_acr')
    || jsonb_strip_nulls(jsonb_build_object(
        'token_endpoint_auth_method', record -> 'auth_method',
        'id_token_signed_response_alg', record -> 'id_token_alg'))
    || jsonb_build_object('mfa', jsonb_strip_nulls(jsonb_build_object(
        'factors', record -> 'mfa_factors',
        'every_sign_in', record -> 'mfa_every_sign_in',
        'acr', record -> 'default_acr')));

-- +goose Down
UPDATE clients SET record =
    (record - 'token_endpoint_auth_method' - 'id_token_signed_response_alg' - 'mfa')
    || jsonb_strip_nulls(jsonb_build_object(
        'auth_method', record -> 'token_endpoint_auth_method',
        'id_token_alg', record -> 'id_token_signed_response_alg',
        'mfa_factors', record -> 'mfa' -> 'factors',
        'mfa_every_sign_in', record -> 'mfa' -> 'every_sign_in',
        'default_acr', record -> 'mfa' -> 'acr'));
