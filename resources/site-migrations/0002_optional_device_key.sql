-- A device that follows the profile's GetManagementEndPoint body ({"Version", "DeviceID"}) gives
-- no key: site_devices.public_jwk becomes nullable (NULL = the site knows no key; bodies to that
-- device go plain, as the profile's "encrypted whenever the sender holds the recipient's key"
-- allows). SQLite cannot drop NOT NULL in place, so the column is moved.
ALTER TABLE site_devices ADD COLUMN device_jwk TEXT;
UPDATE site_devices SET device_jwk = public_jwk;
ALTER TABLE site_devices DROP COLUMN public_jwk;
ALTER TABLE site_devices RENAME COLUMN device_jwk TO public_jwk;
