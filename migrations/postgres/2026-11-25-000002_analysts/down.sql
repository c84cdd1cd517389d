DROP TABLE analyst_grants;
DROP TABLE analysts;
