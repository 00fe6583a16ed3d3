package com.example.accounts;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The application's HTTP API, under {@code /accounts/api} (the EAR gives the module the context root /accounts). */
@ApplicationPath("api")
public class AccountsApi extends Application {
}
