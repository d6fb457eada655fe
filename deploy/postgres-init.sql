-- One database per service (the services also create their own on `codi-admin <service> migrate`).
CREATE DATABASE codi_centres;
CREATE DATABASE codi_marketplace;
CREATE DATABASE codi_funds;
CREATE DATABASE codi_notifications;
CREATE DATABASE codi_web;
