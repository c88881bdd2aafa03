// Generated from the admin role's OpenAPI document by web/scripts/generate-api-types.ts.
// Do not edit: run `npm run web:api`.

export interface paths {
    "/measurements": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Most recent measurements, newest first */
        get: {
            parameters: {
                query: {
                    /** @description rows to return, newest first (default 100, at most 1000) */
                    limit: number;
                    sensor_id?: string;
                    /** @description only readings at or after this time */
                    from?: string;
                    /** @description only readings before this time */
                    to?: string;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** @description row id, increasing in insertion order */
                                id: string;
                                sensor_id: string;
                                temperature: number;
                                /** Format: date-time */
                                timestamp: string;
                                /** @description relative humidity in %, from version 2 readings */
                                humidity?: number;
                            }[];
                            /** @description pass as cursor to get the next, older page; null on the last page */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sensors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Registered and seen sensors in id order, with their statistics; keyset paging */
        get: {
            parameters: {
                query: {
                    /** @description 1 to 64 of A-Z a-z 0-9 . _ : - */
                    tag?: string;
                    site?: string;
                    /** @description decommissioned sensors may not send (ingest answers 422) */
                    status?: "active" | "inactive" | "decommissioned";
                    /** @description true: status active; false: inactive or decommissioned */
                    active?: boolean;
                    limit: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                sensor_id: string;
                                /** @description false: seen at ingest (--unknown-sensors accept) but not in the registry */
                                registered: boolean;
                                name: string | null;
                                description: string | null;
                                location: {
                                    latitude: number | null;
                                    longitude: number | null;
                                    site: string | null;
                                };
                                unit: string | null;
                                tags: string[];
                                /** @description the alert rule of this sensor (alert_rules); null: the global default */
                                thresholds: {
                                    min_temperature?: number | null;
                                    max_temperature?: number | null;
                                    /** @description readings in a row out of range before an alert opens */
                                    consecutive?: number;
                                    /** @description a window size the aggregator computes, e.g. 1h */
                                    window_size?: string | null;
                                    mean_above?: number | null;
                                    mean_below?: number | null;
                                } | null;
                                status: ("active" | "inactive" | "decommissioned") | (never | null);
                                /** @description registered by its first measurement (--unknown-sensors register) */
                                auto: boolean;
                                /** @description the ETag; changes with every write */
                                version: number | null;
                                /** Format: date-time */
                                created_at: string | null;
                                /** Format: date-time */
                                updated_at: string | null;
                                /** @description measurements stored */
                                count: number | null;
                                /** Format: date-time */
                                first_seen: string | null;
                                /** Format: date-time */
                                last_seen: string | null;
                                last_temperature: number | null;
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sensors/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One sensor, with an ETag */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the sensor_id its measurements carry */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sensor_id: string;
                            /** @description false: seen at ingest (--unknown-sensors accept) but not in the registry */
                            registered: boolean;
                            name: string | null;
                            description: string | null;
                            location: {
                                latitude: number | null;
                                longitude: number | null;
                                site: string | null;
                            };
                            unit: string | null;
                            tags: string[];
                            /** @description the alert rule of this sensor (alert_rules); null: the global default */
                            thresholds: {
                                min_temperature?: number | null;
                                max_temperature?: number | null;
                                /** @description readings in a row out of range before an alert opens */
                                consecutive?: number;
                                /** @description a window size the aggregator computes, e.g. 1h */
                                window_size?: string | null;
                                mean_above?: number | null;
                                mean_below?: number | null;
                            } | null;
                            status: ("active" | "inactive" | "decommissioned") | (never | null);
                            /** @description registered by its first measurement (--unknown-sensors register) */
                            auto: boolean;
                            /** @description the ETag; changes with every write */
                            version: number | null;
                            /** Format: date-time */
                            created_at: string | null;
                            /** Format: date-time */
                            updated_at: string | null;
                            /** @description measurements stored */
                            count: number | null;
                            /** Format: date-time */
                            first_seen: string | null;
                            /** Format: date-time */
                            last_seen: string | null;
                            last_temperature: number | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Register a sensor */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the sensor_id its measurements carry */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string | null;
                        description?: string | null;
                        location?: {
                            latitude?: number | null;
                            longitude?: number | null;
                            site?: string | null;
                        };
                        unit?: string;
                        tags?: string[];
                        /** @description the alert rule of this sensor (alert_rules); null: the global default */
                        thresholds?: {
                            min_temperature?: number | null;
                            max_temperature?: number | null;
                            /** @description readings in a row out of range before an alert opens */
                            consecutive?: number;
                            /** @description a window size the aggregator computes, e.g. 1h */
                            window_size?: string | null;
                            mean_above?: number | null;
                            mean_below?: number | null;
                        } | null;
                        /** @description decommissioned sensors may not send (ingest answers 422) */
                        status?: "active" | "inactive" | "decommissioned";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sensor_id: string;
                            /** @description false: seen at ingest (--unknown-sensors accept) but not in the registry */
                            registered: boolean;
                            name: string | null;
                            description: string | null;
                            location: {
                                latitude: number | null;
                                longitude: number | null;
                                site: string | null;
                            };
                            unit: string | null;
                            tags: string[];
                            /** @description the alert rule of this sensor (alert_rules); null: the global default */
                            thresholds: {
                                min_temperature?: number | null;
                                max_temperature?: number | null;
                                /** @description readings in a row out of range before an alert opens */
                                consecutive?: number;
                                /** @description a window size the aggregator computes, e.g. 1h */
                                window_size?: string | null;
                                mean_above?: number | null;
                                mean_below?: number | null;
                            } | null;
                            status: ("active" | "inactive" | "decommissioned") | (never | null);
                            /** @description registered by its first measurement (--unknown-sensors register) */
                            auto: boolean;
                            /** @description the ETag; changes with every write */
                            version: number | null;
                            /** Format: date-time */
                            created_at: string | null;
                            /** Format: date-time */
                            updated_at: string | null;
                            /** @description measurements stored */
                            count: number | null;
                            /** Format: date-time */
                            first_seen: string | null;
                            /** Format: date-time */
                            last_seen: string | null;
                            last_temperature: number | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        /** Remove a sensor from the registry (its measurements stay); If-Match makes it conditional */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    /** @description the ETag of the version this change is based on; 412 when it moved on */
                    "if-match"?: string;
                };
                path: {
                    /** @description the sensor_id its measurements carry */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a sensor (fields given replace, null clears); If-Match makes it conditional */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    /** @description the ETag of the version this change is based on; 412 when it moved on */
                    "if-match"?: string;
                };
                path: {
                    /** @description the sensor_id its measurements carry */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string | null;
                        description?: string | null;
                        location?: {
                            latitude?: number | null;
                            longitude?: number | null;
                            site?: string | null;
                        };
                        unit?: string;
                        tags?: string[];
                        /** @description the alert rule of this sensor (alert_rules); null: the global default */
                        thresholds?: {
                            min_temperature?: number | null;
                            max_temperature?: number | null;
                            /** @description readings in a row out of range before an alert opens */
                            consecutive?: number;
                            /** @description a window size the aggregator computes, e.g. 1h */
                            window_size?: string | null;
                            mean_above?: number | null;
                            mean_below?: number | null;
                        } | null;
                        /** @description decommissioned sensors may not send (ingest answers 422) */
                        status?: "active" | "inactive" | "decommissioned";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sensor_id: string;
                            /** @description false: seen at ingest (--unknown-sensors accept) but not in the registry */
                            registered: boolean;
                            name: string | null;
                            description: string | null;
                            location: {
                                latitude: number | null;
                                longitude: number | null;
                                site: string | null;
                            };
                            unit: string | null;
                            tags: string[];
                            /** @description the alert rule of this sensor (alert_rules); null: the global default */
                            thresholds: {
                                min_temperature?: number | null;
                                max_temperature?: number | null;
                                /** @description readings in a row out of range before an alert opens */
                                consecutive?: number;
                                /** @description a window size the aggregator computes, e.g. 1h */
                                window_size?: string | null;
                                mean_above?: number | null;
                                mean_below?: number | null;
                            } | null;
                            status: ("active" | "inactive" | "decommissioned") | (never | null);
                            /** @description registered by its first measurement (--unknown-sensors register) */
                            auto: boolean;
                            /** @description the ETag; changes with every write */
                            version: number | null;
                            /** Format: date-time */
                            created_at: string | null;
                            /** Format: date-time */
                            updated_at: string | null;
                            /** @description measurements stored */
                            count: number | null;
                            /** Format: date-time */
                            first_seen: string | null;
                            /** Format: date-time */
                            last_seen: string | null;
                            last_temperature: number | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log in: a session token in the body and in an HttpOnly cookie */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        username: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            token: string;
                            /** Format: date-time */
                            expires_at: string;
                            user: {
                                username: string;
                                role: string;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log out: ends every session of the caller's account and clears the cookie */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who the credential belongs to, and its role */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            username: string;
                            role: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every console account */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            username: string;
                            role: "admin" | "operator" | "viewer";
                            disabled: boolean;
                            /** Format: date-time */
                            created_at: string;
                            /** Format: date-time */
                            updated_at: string;
                        }[];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create an account */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        username: string;
                        role: "admin" | "operator" | "viewer";
                        /** @description at least 12 characters */
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            username: string;
                            role: "admin" | "operator" | "viewer";
                            disabled: boolean;
                            /** Format: date-time */
                            created_at: string;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/users/{username}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete an account
         * @description Deleting the only enabled admin is refused with 409 LAST_ADMIN.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    username: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Change an account's role, password or disabled flag (ends its sessions)
         * @description Demoting or disabling the only enabled admin is refused with 409 LAST_ADMIN.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    username: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        role?: "admin" | "operator" | "viewer";
                        /** @description at least 12 characters */
                        password?: string;
                        disabled?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            username: string;
                            role: "admin" | "operator" | "viewer";
                            disabled: boolean;
                            /** Format: date-time */
                            created_at: string;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every device token and API key (never their secrets) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            kind: "device" | "api_key";
                            name: string;
                            role: ("admin" | "operator" | "viewer") | (never | null);
                            sensor_ids: string[] | null;
                            tag: string | null;
                            /** @description device tokens: the streams they may post to (null: measurements only) */
                            streams: string[] | null;
                            /** Format: date-time */
                            expires_at: string | null;
                            /** Format: date-time */
                            revoked_at: string | null;
                            replaced_by: string | null;
                            created_by: string;
                            /** Format: date-time */
                            created_at: string;
                        }[];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create a device token (scoped to streams, and for measurements to sensor_ids or a tag) or an API key (with a role) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        kind: "device" | "api_key";
                        name: string;
                        role?: "admin" | "operator" | "viewer";
                        sensor_ids?: string[];
                        tag?: string;
                        /** @description device tokens: the streams they may post to (default ["measurements"]); sensor_ids or tag only with measurements */
                        streams?: ("measurements" | "products" | "product-events" | "stock-movements")[];
                        /** Format: date-time */
                        expires_at?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            kind: "device" | "api_key";
                            name: string;
                            role: ("admin" | "operator" | "viewer") | (never | null);
                            sensor_ids: string[] | null;
                            tag: string | null;
                            /** @description device tokens: the streams they may post to (null: measurements only) */
                            streams: string[] | null;
                            /** Format: date-time */
                            expires_at: string | null;
                            /** Format: date-time */
                            revoked_at: string | null;
                            replaced_by: string | null;
                            created_by: string;
                            /** Format: date-time */
                            created_at: string;
                            /** @description shown this once; only its hash is kept */
                            token: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tokens/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revoke a token now */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            kind: "device" | "api_key";
                            name: string;
                            role: ("admin" | "operator" | "viewer") | (never | null);
                            sensor_ids: string[] | null;
                            tag: string | null;
                            /** @description device tokens: the streams they may post to (null: measurements only) */
                            streams: string[] | null;
                            /** Format: date-time */
                            expires_at: string | null;
                            /** Format: date-time */
                            revoked_at: string | null;
                            replaced_by: string | null;
                            created_by: string;
                            /** Format: date-time */
                            created_at: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tokens/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new token with the same scope; the old one stays valid for overlap_seconds (default 1 day) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @default 86400 */
                        overlap_seconds: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            kind: "device" | "api_key";
                            name: string;
                            role: ("admin" | "operator" | "viewer") | (never | null);
                            sensor_ids: string[] | null;
                            tag: string | null;
                            /** @description device tokens: the streams they may post to (null: measurements only) */
                            streams: string[] | null;
                            /** Format: date-time */
                            expires_at: string | null;
                            /** Format: date-time */
                            revoked_at: string | null;
                            replaced_by: string | null;
                            created_by: string;
                            /** Format: date-time */
                            created_at: string;
                            /** @description shown this once; only its hash is kept */
                            token: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/measurements/journey": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Follow one measurement through ingest, the log, the saver and the database
         * @description Hops with their times: received by ingest (request id), acknowledged by the log (topic, partition, offset, latency), consumed (group, member, batch), written and committed, dead-lettered (source coordinates, reason) and redriven. Sampled measurements are found in the trace store of this process (`--trace-store`); the data fills in the rest, and all of it when not sampled: the log position the saver kept with the row (partition, offset, record time), the row id and insertion time, the commit time when PostgreSQL keeps commit timestamps (`track_commit_timestamp`), the dead letters and their redrives.
         */
        get: {
            parameters: {
                query: {
                    sensor_id: string;
                    /** @description ISO-8601 with a time zone, or epoch milliseconds */
                    timestamp: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sensor_id: string;
                            /** Format: date-time */
                            timestamp: string;
                            /** @description whether spans of this measurement were found in the trace store */
                            sampled: boolean;
                            /** @description oldest first */
                            hops: ({
                                /** @description received by ingest, acknowledged by the log, consumed by a group, written by its SQL, stored (row inserted), committed (offsets after a traced batch; the row's transaction from the data), dead_lettered, redriven */
                                hop: "received" | "acknowledged" | "consumed" | "written" | "stored" | "committed" | "dead_lettered" | "redriven";
                                /**
                                 * Format: date-time
                                 * @description when the hop happened
                                 */
                                at: string;
                                /** @description trace (a sampled span of the store) or data (the stored row, its dead letters) */
                                source: "trace" | "data";
                                topic?: string;
                                partition?: number;
                                /** @description log offset, as a decimal string */
                                offset?: string;
                                /** @description acknowledged: produce round trip */
                                latency_ms?: number;
                                /** @description received: ingest request id */
                                request_id?: string;
                                service?: string;
                                /** @description consumer group */
                                group?: string;
                                /** @description consumed: host/pid/member index */
                                member?: string;
                                batch_size?: number;
                                /** @description written: the SQL span name */
                                statement?: string;
                                row_id?: string;
                                /** @description dead_lettered: why */
                                reason?: string;
                                field?: string | null;
                                dead_letter_id?: string;
                                /** @description redriven: who */
                                by?: string | null;
                                redrive_count?: number;
                                trace_id?: string;
                                span_id?: string;
                            } & {
                                [key: string]: unknown;
                            })[];
                            note?: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/windows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Event-time windows of every sensor (or one), newest first */
        get: {
            parameters: {
                query: {
                    /** @description window size (default 1m) */
                    size: string;
                    /** @description windows starting at or after this time */
                    from?: string;
                    /** @description windows starting before this time */
                    to?: string;
                    /** @description rows to return, newest first (default 100, at most 1000) */
                    limit: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                    sensor_id?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                sensor_id: string;
                                /** @description window size as configured: 1m, 1h, or size/hop for hopping windows */
                                size: string;
                                /** Format: date-time */
                                window_start: string;
                                /**
                                 * Format: date-time
                                 * @description exclusive
                                 */
                                window_end: string;
                                count: number;
                                min: number;
                                max: number;
                                sum: number;
                                mean: number;
                                /** @description sample standard deviation; null for one reading */
                                stddev: number | null;
                                first: {
                                    /** Format: date-time */
                                    ts: string;
                                    value: number;
                                };
                                last: {
                                    /** Format: date-time */
                                    ts: string;
                                    value: number;
                                };
                                /** @description the watermark passed the window end; the window was published */
                                final: boolean;
                                /** @description late readings that changed the window after it closed */
                                revision: number;
                            }[];
                            /** @description pass as cursor to get the next, older page; null on the last page */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sensors/{id}/windows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One sensor's event-time windows, newest first */
        get: {
            parameters: {
                query: {
                    /** @description window size (default 1m) */
                    size: string;
                    /** @description windows starting at or after this time */
                    from?: string;
                    /** @description windows starting before this time */
                    to?: string;
                    /** @description rows to return, newest first (default 100, at most 1000) */
                    limit: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                sensor_id: string;
                                /** @description window size as configured: 1m, 1h, or size/hop for hopping windows */
                                size: string;
                                /** Format: date-time */
                                window_start: string;
                                /**
                                 * Format: date-time
                                 * @description exclusive
                                 */
                                window_end: string;
                                count: number;
                                min: number;
                                max: number;
                                sum: number;
                                mean: number;
                                /** @description sample standard deviation; null for one reading */
                                stddev: number | null;
                                first: {
                                    /** Format: date-time */
                                    ts: string;
                                    value: number;
                                };
                                last: {
                                    /** Format: date-time */
                                    ts: string;
                                    value: number;
                                };
                                /** @description the watermark passed the window end; the window was published */
                                final: boolean;
                                /** @description late readings that changed the window after it closed */
                                revision: number;
                            }[];
                            /** @description pass as cursor to get the next, older page; null on the last page */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Alert transitions (open, resolved), newest first */
        get: {
            parameters: {
                query: {
                    /** @description open: alerts not resolved yet; resolved: resolutions; absent: every transition */
                    state?: "open" | "resolved";
                    sensor_id?: string;
                    /** @description rows to return, newest first (default 100, at most 1000) */
                    limit: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                sensor_id: string;
                                kind: "reading" | "window_mean";
                                state: "open" | "resolved";
                                /**
                                 * Format: date-time
                                 * @description event time of the reading or window that caused it
                                 */
                                at: string;
                                /** Format: date-time */
                                opened_at: string;
                                value: number;
                                reason: string;
                                /** @description who acknowledged the opening; null until someone does */
                                acknowledged_by: string | null;
                                /** Format: date-time */
                                acknowledged_at: string | null;
                            }[];
                            /** @description pass as cursor to get the next, older page; null on the last page */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/alerts/{id}/acknowledge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Acknowledge an open alert: records who and when (again: the first acknowledgement is kept) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description id of the opening (GET /alerts) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            sensor_id: string;
                            kind: "reading" | "window_mean";
                            state: "open" | "resolved";
                            /**
                             * Format: date-time
                             * @description event time of the reading or window that caused it
                             */
                            at: string;
                            /** Format: date-time */
                            opened_at: string;
                            value: number;
                            reason: string;
                            /** @description who acknowledged the opening; null until someone does */
                            acknowledged_by: string | null;
                            /** Format: date-time */
                            acknowledged_at: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sensor-overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One page of sensors in id order, with last value and status; search by part of the id */
        get: {
            parameters: {
                query: {
                    /** @description part of the id */
                    search?: string;
                    limit: number;
                    /** @description next_after of the previous page */
                    after?: string;
                    /** @description a sensor without a reading for this long is silent */
                    silent_after_s: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                sensor_id: string;
                                count: number;
                                /** Format: date-time */
                                last_seen: string;
                                last_temperature: number;
                                /** @description the first that holds: decommissioned (registry status); alerting: an alert is open; inactive (registry status); silent: no reading for silent_after_s; ok */
                                status: "decommissioned" | "alerting" | "inactive" | "silent" | "ok";
                            }[];
                            /** @description sensors matching the search */
                            total: number;
                            /** @description pass as after for the next page; null on the last page */
                            next_after: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sensors/{id}/series": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A sensor's windows merged into at most `points` buckets between from and to, oldest first */
        get: {
            parameters: {
                query: {
                    from: string;
                    to: string;
                    /** @description the windows merged */
                    size: string;
                    /** @description most buckets returned */
                    points: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description bucket length: the window size or a multiple of it */
                            step_s: number;
                            items: {
                                /**
                                 * Format: date-time
                                 * @description bucket start
                                 */
                                t: string;
                                count: number;
                                min: number;
                                max: number;
                                mean: number;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sensors/{id}/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events: a `measurements` event with the readings stored since the last one */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the data of one event */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": {
                            id: string;
                            sensor_id: string;
                            temperature: number;
                            /** Format: date-time */
                            timestamp: string;
                        }[];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/alerts/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events: an `alerts` event with the alert transitions stored since the last one */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/flow": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The pipeline's graph now: per-edge rates, lag per partition, error rates, health */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: date-time */
                            at: string;
                            interval_ms: number;
                            nodes: {
                                id: string;
                                label: string;
                                kind: "source" | "process" | "topic" | "table" | "api";
                                /** @description up: its metrics answered at this tick; down: they did not; unknown: not watched */
                                health: "up" | "down" | "unknown";
                                /** @description one line for a person: where its metrics come from, partitions... */
                                detail: string;
                            }[];
                            edges: {
                                from: string;
                                to: string;
                                label: string;
                                unit: "records/s" | "requests/s";
                                /** @description per second over the last tick; null until two ticks were seen or when the source is down */
                                rate: number | null;
                            }[];
                            partitions: {
                                group: string;
                                topic: string;
                                partition: number;
                                /** @description records not yet committed by the group */
                                lag: number;
                                /** @description metrics: the consumer's own gauge; broker: the group's committed offsets against the log end */
                                source: "metrics" | "broker";
                            }[];
                            errors: {
                                /** @description ingest requests answered 4xx or 5xx */
                                rejected_per_s: number | null;
                                dead_letters_per_s: number | null;
                                batch_retries_per_s: number | null;
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/flow/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events: one `flow` event a tick (1 s by default), each the body of GET /flow */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Products in sku order, paged by cursor */
        get: {
            parameters: {
                query: {
                    limit: number;
                    cursor?: string;
                    category?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                sku: string;
                                name: string;
                                category: string;
                                /** @description decimal, as a string */
                                price: string;
                                attributes: {
                                    [key: string]: unknown;
                                };
                                version: number;
                                low_stock_threshold: number | null;
                                deleted: boolean;
                                /** Format: date-time */
                                updated_at: string;
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create a product (version 1) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description stock-keeping unit: 1 to 64 letters, digits or . _ : / -
                         * @example SKU-00042
                         */
                        sku: string;
                        name: string;
                        category: string;
                        /**
                         * @description decimal price as a string, up to 4 decimals, e.g. "19.99"
                         * @example 19.99
                         */
                        price: string;
                        /** @description free-form attributes */
                        attributes?: {
                            [key: string]: unknown;
                        };
                        /** @description available stock below which a low-stock alert opens (null: none) */
                        low_stock_threshold?: number | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sku: string;
                            name: string;
                            category: string;
                            /** @description decimal, as a string */
                            price: string;
                            attributes: {
                                [key: string]: unknown;
                            };
                            version: number;
                            low_stock_threshold: number | null;
                            deleted: boolean;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/products/{sku}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One product; its ETag is its version */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /**
                     * @description stock-keeping unit: 1 to 64 letters, digits or . _ : / -
                     * @example SKU-00042
                     */
                    sku: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sku: string;
                            name: string;
                            category: string;
                            /** @description decimal, as a string */
                            price: string;
                            attributes: {
                                [key: string]: unknown;
                            };
                            version: number;
                            low_stock_threshold: number | null;
                            deleted: boolean;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a product (a tombstone version); If-Match required */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /**
                     * @description stock-keeping unit: 1 to 64 letters, digits or . _ : / -
                     * @example SKU-00042
                     */
                    sku: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                428: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a product; If-Match must carry its current ETag */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /**
                     * @description stock-keeping unit: 1 to 64 letters, digits or . _ : / -
                     * @example SKU-00042
                     */
                    sku: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        category?: string;
                        /**
                         * @description decimal price as a string, up to 4 decimals, e.g. "19.99"
                         * @example 19.99
                         */
                        price?: string;
                        /** @description free-form attributes */
                        attributes?: {
                            [key: string]: unknown;
                        };
                        /** @description available stock below which a low-stock alert opens (null: none) */
                        low_stock_threshold?: number | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sku: string;
                            name: string;
                            category: string;
                            /** @description decimal, as a string */
                            price: string;
                            attributes: {
                                [key: string]: unknown;
                            };
                            version: number;
                            low_stock_threshold: number | null;
                            deleted: boolean;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                428: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/products/{sku}/stock": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Stock of a product per warehouse: on hand, reserved, available */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /**
                     * @description stock-keeping unit: 1 to 64 letters, digits or . _ : / -
                     * @example SKU-00042
                     */
                    sku: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sku: string;
                            on_hand: number;
                            reserved: number;
                            available: number;
                            warehouses: {
                                warehouse: string;
                                on_hand: number;
                                reserved: number;
                                available: number;
                                low_stock: boolean;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/products/{sku}/movements": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A product's stock ledger, newest first, refused movements with their reason */
        get: {
            parameters: {
                query: {
                    limit: number;
                    cursor?: string;
                };
                header?: never;
                path: {
                    /**
                     * @description stock-keeping unit: 1 to 64 letters, digits or . _ : / -
                     * @example SKU-00042
                     */
                    sku: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** @description position in the ledger, as text */
                                seq: string;
                                movement_id: string;
                                warehouse: string;
                                kind: "receipt" | "sale" | "adjustment" | "transfer_out" | "transfer_in" | "reservation" | "release";
                                quantity: number;
                                /** Format: date-time */
                                timestamp: string;
                                reference: string | null;
                                status: "applied" | "refused";
                                refusal: {
                                    /** @description INSUFFICIENT_STOCK or INSUFFICIENT_RESERVED */
                                    code: string;
                                    reason: string;
                                } | null;
                            }[];
                            /** @description pass as `cursor` for the next page; null on the last one */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/products/{sku}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A product's events, newest first */
        get: {
            parameters: {
                query: {
                    limit: number;
                    cursor?: string;
                };
                header?: never;
                path: {
                    /**
                     * @description stock-keeping unit: 1 to 64 letters, digits or . _ : / -
                     * @example SKU-00042
                     */
                    sku: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                event_id: string;
                                sku: string;
                                type: "viewed" | "added_to_cart" | "purchased" | "returned";
                                /** Format: date-time */
                                timestamp: string;
                                quantity: number;
                                session_id: string | null;
                                customer_id: string | null;
                            }[];
                            /** @description pass as `cursor` for the next page; null on the last one */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/stock-alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Low-stock alerts: available fell below the product threshold (open) or rose back (resolved) */
        get: {
            parameters: {
                query: {
                    state?: "open" | "resolved";
                    limit: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                sku: string;
                                warehouse: string;
                                state: "open" | "resolved";
                                /** @description available stock when the alert opened or resolved */
                                available: number;
                                threshold: number;
                                /** Format: date-time */
                                at: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/throughput": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readings and reporting sensors per UTC day (view report_throughput_daily) */
        get: {
            parameters: {
                query: {
                    /** @description how many UTC days, today included */
                    days: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /**
                                 * Format: date
                                 * @description UTC day
                                 */
                                day: string;
                                readings: number;
                                sensors: number;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/temperatures": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Min, mean and max temperature per UTC day and site (view report_temperatures_daily) */
        get: {
            parameters: {
                query: {
                    /** @description how many UTC days, today included */
                    days: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /**
                                 * Format: date
                                 * @description UTC day
                                 */
                                day: string;
                                /** @description the registry site; "unassigned" without one */
                                site: string;
                                sensors: number;
                                readings: number;
                                min: number;
                                mean: number;
                                max: number;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/stock-turnover": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Units sold in 30 days against units on hand, per product (view report_stock_turnover) */
        get: {
            parameters: {
                query: {
                    limit: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                sku: string;
                                name: string;
                                category: string;
                                sold_30d: number;
                                on_hand: number;
                                available: number;
                                /** @description sold in 30 days / on hand; null with nothing on hand */
                                turnover_30d: number | null;
                                /** @description days the stock on hand lasts at the 30-day pace; null with no sale */
                                days_of_cover: number | null;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/measurements/lookup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What happened to one reading: stored, dead_lettered or not_found */
        get: {
            parameters: {
                query: {
                    sensor_id: string;
                    /** @description the reading's timestamp as it was sent: ISO-8601 with a time zone, or epoch milliseconds */
                    timestamp: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            state: "stored" | "dead_lettered" | "not_found";
                            measurement?: {
                                id: string;
                                sensor_id: string;
                                temperature: number;
                                /** Format: date-time */
                                timestamp: string;
                                /** Format: date-time */
                                stored_at: string;
                            };
                            dead_letter?: {
                                id: string;
                                reason: string;
                                field: string | null;
                                status: "new" | "redriven" | "discarded";
                                /** @description path of the dead letter on this API */
                                link: string;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Dead letters, newest first, filtered by status, reason, field, source topic and time */
        get: {
            parameters: {
                query: {
                    status?: "new" | "redriven" | "discarded";
                    /** @description part of the reason, any case */
                    reason?: string;
                    field?: string;
                    source_topic?: string;
                    /** @description failed at or after this time */
                    from?: string;
                    /** @description failed before this time */
                    to?: string;
                    /** @description dead letters to return, newest first (default 100, at most 1000) */
                    limit: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                status: "new" | "redriven" | "discarded";
                                /** @description why the record could not be stored */
                                reason: string;
                                /** @description the field at fault, when one is */
                                field: string | null;
                                /**
                                 * @description only bad data is dead-lettered; outages are retried
                                 * @enum {string}
                                 */
                                category: "permanent";
                                source: {
                                    topic: string;
                                    partition: number;
                                    /** @description a 64-bit offset, as text */
                                    offset: string;
                                };
                                errors_record: {
                                    topic: string;
                                    partition: number;
                                    /** @description a 64-bit offset, as text */
                                    offset: string;
                                };
                                key: string | null;
                                /** @description read from the payload when it has one */
                                sensor_id: string | null;
                                /**
                                 * Format: date-time
                                 * @description the payload's timestamp
                                 */
                                measured_at: string | null;
                                /** Format: date-time */
                                failed_at: string;
                                /**
                                 * Format: date-time
                                 * @description when the dead-letter saver stored it
                                 */
                                first_seen: string;
                                acted_by: string | null;
                                /** Format: date-time */
                                acted_at: string | null;
                                redrive_count: number;
                                payload_bytes: number;
                            }[];
                            /** @description pass as cursor for the next, older page */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One dead letter, with its original payload and the corrected one last redriven */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description dead letter id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            status: "new" | "redriven" | "discarded";
                            /** @description why the record could not be stored */
                            reason: string;
                            /** @description the field at fault, when one is */
                            field: string | null;
                            /**
                             * @description only bad data is dead-lettered; outages are retried
                             * @enum {string}
                             */
                            category: "permanent";
                            source: {
                                topic: string;
                                partition: number;
                                /** @description a 64-bit offset, as text */
                                offset: string;
                            };
                            errors_record: {
                                topic: string;
                                partition: number;
                                /** @description a 64-bit offset, as text */
                                offset: string;
                            };
                            key: string | null;
                            /** @description read from the payload when it has one */
                            sensor_id: string | null;
                            /**
                             * Format: date-time
                             * @description the payload's timestamp
                             */
                            measured_at: string | null;
                            /** Format: date-time */
                            failed_at: string;
                            /**
                             * Format: date-time
                             * @description when the dead-letter saver stored it
                             */
                            first_seen: string;
                            acted_by: string | null;
                            /** Format: date-time */
                            acted_at: string | null;
                            redrive_count: number;
                            payload_bytes: number;
                            /** @description the original bytes: text when UTF-8, otherwise base64 */
                            payload: string;
                            payload_encoding: "utf8" | "base64";
                            /** @description the corrected payload the last redrive sent (by acted_by at acted_at); null when it sent the original bytes or none was sent */
                            redriven_payload: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters/{id}/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a dead letter back to its source topic (optionally corrected) and mark it redriven */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description dead letter id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description the corrected record: a JSON object, or the exact text to send; absent: the original bytes */
                        payload?: {
                            [key: string]: unknown;
                        } | string;
                        /** @description redrive a letter already redriven or discarded */
                        force?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            status: "new" | "redriven" | "discarded";
                            /** @description why the record could not be stored */
                            reason: string;
                            /** @description the field at fault, when one is */
                            field: string | null;
                            /**
                             * @description only bad data is dead-lettered; outages are retried
                             * @enum {string}
                             */
                            category: "permanent";
                            source: {
                                topic: string;
                                partition: number;
                                /** @description a 64-bit offset, as text */
                                offset: string;
                            };
                            errors_record: {
                                topic: string;
                                partition: number;
                                /** @description a 64-bit offset, as text */
                                offset: string;
                            };
                            key: string | null;
                            /** @description read from the payload when it has one */
                            sensor_id: string | null;
                            /**
                             * Format: date-time
                             * @description the payload's timestamp
                             */
                            measured_at: string | null;
                            /** Format: date-time */
                            failed_at: string;
                            /**
                             * Format: date-time
                             * @description when the dead-letter saver stored it
                             */
                            first_seen: string;
                            acted_by: string | null;
                            /** Format: date-time */
                            acted_at: string | null;
                            redrive_count: number;
                            payload_bytes: number;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters/{id}/discard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark a new dead letter discarded: nobody will send it back */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description dead letter id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            status: "new" | "redriven" | "discarded";
                            /** @description why the record could not be stored */
                            reason: string;
                            /** @description the field at fault, when one is */
                            field: string | null;
                            /**
                             * @description only bad data is dead-lettered; outages are retried
                             * @enum {string}
                             */
                            category: "permanent";
                            source: {
                                topic: string;
                                partition: number;
                                /** @description a 64-bit offset, as text */
                                offset: string;
                            };
                            errors_record: {
                                topic: string;
                                partition: number;
                                /** @description a 64-bit offset, as text */
                                offset: string;
                            };
                            key: string | null;
                            /** @description read from the payload when it has one */
                            sensor_id: string | null;
                            /**
                             * Format: date-time
                             * @description the payload's timestamp
                             */
                            measured_at: string | null;
                            /** Format: date-time */
                            failed_at: string;
                            /**
                             * Format: date-time
                             * @description when the dead-letter saver stored it
                             */
                            first_seen: string;
                            acted_by: string | null;
                            /** Format: date-time */
                            acted_at: string | null;
                            redrive_count: number;
                            payload_bytes: number;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Redrive every new dead letter of a filter (a body is required; {} takes them all), at the configured rate; dry_run only counts */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        filter?: {
                            /** @description part of the reason, any case */
                            reason?: string;
                            field?: string;
                            source_topic?: string;
                            /**
                             * Format: date-time
                             * @description failed at or after this time
                             */
                            from?: string;
                            /**
                             * Format: date-time
                             * @description failed before this time
                             */
                            to?: string;
                        };
                        /** @description count and list what would go, change nothing */
                        dry_run?: boolean;
                        /** @description most letters to redrive (default and most 100000) */
                        limit?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            dry_run: true;
                            /** @description new letters the filter matches */
                            matched: number;
                            /** @description the first 100, oldest first */
                            items: {
                                id: string;
                                status: "new" | "redriven" | "discarded";
                                /** @description why the record could not be stored */
                                reason: string;
                                /** @description the field at fault, when one is */
                                field: string | null;
                                /**
                                 * @description only bad data is dead-lettered; outages are retried
                                 * @enum {string}
                                 */
                                category: "permanent";
                                source: {
                                    topic: string;
                                    partition: number;
                                    /** @description a 64-bit offset, as text */
                                    offset: string;
                                };
                                errors_record: {
                                    topic: string;
                                    partition: number;
                                    /** @description a 64-bit offset, as text */
                                    offset: string;
                                };
                                key: string | null;
                                /** @description read from the payload when it has one */
                                sensor_id: string | null;
                                /**
                                 * Format: date-time
                                 * @description the payload's timestamp
                                 */
                                measured_at: string | null;
                                /** Format: date-time */
                                failed_at: string;
                                /**
                                 * Format: date-time
                                 * @description when the dead-letter saver stored it
                                 */
                                first_seen: string;
                                acted_by: string | null;
                                /** Format: date-time */
                                acted_at: string | null;
                                redrive_count: number;
                                payload_bytes: number;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            state: "running" | "done" | "failed";
                            filter: unknown;
                            /** @description new letters matching the filter when the job started (at most limit) */
                            matched: number;
                            redriven: number;
                            /** @description letters that cannot go back as they are (not text, no source topic, a stock movement whose movement_id the ledger decided); they stay new */
                            skipped: number;
                            error: string | null;
                            started_by: string;
                            /** Format: date-time */
                            started_at: string;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters/redrives/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Progress of a bulk redrive */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description dead letter id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            state: "running" | "done" | "failed";
                            filter: unknown;
                            /** @description new letters matching the filter when the job started (at most limit) */
                            matched: number;
                            redriven: number;
                            /** @description letters that cannot go back as they are (not text, no source topic, a stock movement whose movement_id the ledger decided); they stay new */
                            skipped: number;
                            error: string | null;
                            started_by: string;
                            /** Format: date-time */
                            started_at: string;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/etl/pipelines": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** ETL pipelines, their parameters and retry policy (forwarded to the ETL worker) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                name: string;
                                description: string;
                                /** @description the parameters' JSON schema */
                                params: unknown;
                                retry: unknown;
                                concurrency: number;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/etl/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** ETL runs, newest first (forwarded to the ETL worker) */
        get: {
            parameters: {
                query: {
                    pipeline?: string;
                    status?: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                    /** @description runs created at or after */
                    from?: string;
                    /** @description runs created before */
                    to?: string;
                    limit: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: uuid */
                                id: string;
                                pipeline: string;
                                params: {
                                    [key: string]: unknown;
                                };
                                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                                /** @description api, cli, schedule or retry */
                                trigger: string;
                                /** @description the run this one retries */
                                retry_of: string | null;
                                /** @description the current attempt, from 1 */
                                attempt: number;
                                max_attempts: number;
                                progress: {
                                    done: number;
                                    /** @description null while unknown */
                                    total: number | null;
                                    /** @description bytes, days or items */
                                    unit: string;
                                    /** @description units per second this attempt */
                                    rate: number | null;
                                    /** @description seconds left, when the total is known */
                                    eta_s: number | null;
                                };
                                counts: {
                                    read: number;
                                    valid: number;
                                    rejected: number;
                                    loaded: number;
                                    duplicates: number;
                                };
                                rows_per_s: number | null;
                                duration_ms: number | null;
                                error: string | null;
                                worker: string | null;
                                cancel_requested: boolean;
                                /** Format: date-time */
                                created_at: string;
                                /** Format: date-time */
                                started_at: string | null;
                                /** Format: date-time */
                                finished_at: string | null;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Queues an ETL run (forwarded to the ETL worker) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a pipeline name (GET /etl/pipelines) */
                        pipeline: string;
                        /** @description the pipeline's parameters */
                        params?: {
                            [key: string]: string | number | boolean;
                        };
                        trigger?: "api" | "cli";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            pipeline: string;
                            params: {
                                [key: string]: unknown;
                            };
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            /** @description api, cli, schedule or retry */
                            trigger: string;
                            /** @description the run this one retries */
                            retry_of: string | null;
                            /** @description the current attempt, from 1 */
                            attempt: number;
                            max_attempts: number;
                            progress: {
                                done: number;
                                /** @description null while unknown */
                                total: number | null;
                                /** @description bytes, days or items */
                                unit: string;
                                /** @description units per second this attempt */
                                rate: number | null;
                                /** @description seconds left, when the total is known */
                                eta_s: number | null;
                            };
                            counts: {
                                read: number;
                                valid: number;
                                rejected: number;
                                loaded: number;
                                duplicates: number;
                            };
                            rows_per_s: number | null;
                            duration_ms: number | null;
                            error: string | null;
                            worker: string | null;
                            cancel_requested: boolean;
                            /** Format: date-time */
                            created_at: string;
                            /** Format: date-time */
                            started_at: string | null;
                            /** Format: date-time */
                            finished_at: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/etl/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One ETL run (forwarded to the ETL worker) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the run id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            pipeline: string;
                            params: {
                                [key: string]: unknown;
                            };
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            /** @description api, cli, schedule or retry */
                            trigger: string;
                            /** @description the run this one retries */
                            retry_of: string | null;
                            /** @description the current attempt, from 1 */
                            attempt: number;
                            max_attempts: number;
                            progress: {
                                done: number;
                                /** @description null while unknown */
                                total: number | null;
                                /** @description bytes, days or items */
                                unit: string;
                                /** @description units per second this attempt */
                                rate: number | null;
                                /** @description seconds left, when the total is known */
                                eta_s: number | null;
                            };
                            counts: {
                                read: number;
                                valid: number;
                                rejected: number;
                                loaded: number;
                                duplicates: number;
                            };
                            rows_per_s: number | null;
                            duration_ms: number | null;
                            error: string | null;
                            worker: string | null;
                            cancel_requested: boolean;
                            /** Format: date-time */
                            created_at: string;
                            /** Format: date-time */
                            started_at: string | null;
                            /** Format: date-time */
                            finished_at: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/etl/runs/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An ETL run's log lines (forwarded to the ETL worker) */
        get: {
            parameters: {
                query: {
                    after: number;
                };
                header?: never;
                path: {
                    /** @description the run id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: number;
                                /** Format: date-time */
                                at: string;
                                level: string;
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/etl/runs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events of an ETL run: run, log, end (forwarded from the ETL worker) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the run id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/etl/runs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queues a new run with the parameters of a failed one (forwarded to the ETL worker) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the run id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            pipeline: string;
                            params: {
                                [key: string]: unknown;
                            };
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            /** @description api, cli, schedule or retry */
                            trigger: string;
                            /** @description the run this one retries */
                            retry_of: string | null;
                            /** @description the current attempt, from 1 */
                            attempt: number;
                            max_attempts: number;
                            progress: {
                                done: number;
                                /** @description null while unknown */
                                total: number | null;
                                /** @description bytes, days or items */
                                unit: string;
                                /** @description units per second this attempt */
                                rate: number | null;
                                /** @description seconds left, when the total is known */
                                eta_s: number | null;
                            };
                            counts: {
                                read: number;
                                valid: number;
                                rejected: number;
                                loaded: number;
                                duplicates: number;
                            };
                            rows_per_s: number | null;
                            duration_ms: number | null;
                            error: string | null;
                            worker: string | null;
                            cancel_requested: boolean;
                            /** Format: date-time */
                            created_at: string;
                            /** Format: date-time */
                            started_at: string | null;
                            /** Format: date-time */
                            finished_at: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/etl/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancels a queued or running ETL run (forwarded to the ETL worker) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the run id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            pipeline: string;
                            params: {
                                [key: string]: unknown;
                            };
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            /** @description api, cli, schedule or retry */
                            trigger: string;
                            /** @description the run this one retries */
                            retry_of: string | null;
                            /** @description the current attempt, from 1 */
                            attempt: number;
                            max_attempts: number;
                            progress: {
                                done: number;
                                /** @description null while unknown */
                                total: number | null;
                                /** @description bytes, days or items */
                                unit: string;
                                /** @description units per second this attempt */
                                rate: number | null;
                                /** @description seconds left, when the total is known */
                                eta_s: number | null;
                            };
                            counts: {
                                read: number;
                                valid: number;
                                rejected: number;
                                loaded: number;
                                duplicates: number;
                            };
                            rows_per_s: number | null;
                            duration_ms: number | null;
                            error: string | null;
                            worker: string | null;
                            cancel_requested: boolean;
                            /** Format: date-time */
                            created_at: string;
                            /** Format: date-time */
                            started_at: string | null;
                            /** Format: date-time */
                            finished_at: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable machine-readable code */
                            code: string;
                            /** @description what went wrong, for a person */
                            message: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
